"""A renewal day through the whole stack, on PostgreSQL and the shared test clock.

Each repetition starts the broker and the three services as processes, as `make run`
does but on fresh PostgreSQL databases and `CLOCK=test`. It sets up `n` subscribers
through the API (a customer, a card and a subscription each, 16 requests at a time; not
timed in the figure), lets the clock settle what that set-up caused, then moves the clock
one month on and times until the clock is ready again: every subscription renewed,
charged and settled, every event relayed and consumed by dunning and pause. The baseline
is raw single-row INSERT+COMMIT on the same server in the same repetition.

The test clock starts at a fixed moment, so the figure never depends on today's date.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import baselines, report
from benchmarks.http_api import customers_with_cards, start_services
from benchmarks.load import Client, hammer
from shared.calendar import add_months
from shared.db import create_engine
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import kafka_broker
from shared.testing.databases import DatabaseFactory

START = datetime(2026, 1, 5, 10, tzinfo=UTC)
SETTLED = re.compile(r'^billing_payments_total\{[^}]*outcome="succeeded"[^}]*\} (\S+)$', re.M)


@dataclass(frozen=True)
class Repetition:
    subscriptions: int
    single_commits_s: float
    setup_s: float
    day_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def renewals_s(self) -> float:
        return self.subscriptions / self.day_s


async def _subscribe_all(client: Client, billing: str, n: int) -> None:
    plan = {"code": "monthly", "name": "Monthly", "amount": 1500, "currency": "EUR", "interval": "month"}
    await client.call("POST", f"{billing}/v1/plans", plan)
    customers = await customers_with_cards(client, billing, n)

    async def subscribe(i: int) -> object:
        body = {"customer_id": customers[i], "plan_code": "monthly"}
        return await client.call("POST", f"{billing}/v1/subscriptions", body)

    await hammer(subscribe, n)


async def _advance(client: Client, billing: str, to: datetime) -> None:
    """Move the shared clock to `to` and wait until it says every service is done."""
    await client.call("POST", f"{billing}/v1/test-clock/advance", {"to": to.isoformat()})
    while True:
        state = await client.call("GET", f"{billing}/v1/test-clock", params={"wait": "10"})
        if state["status"] == "ready":
            return
        if state["status"] != "advancing":
            raise RuntimeError(f"the test clock stopped: {state['status']}: {state.get('error')}")


async def _charges_succeeded(client: Client, billing: str) -> int:
    """What billing itself reports (`/metrics`): payments settled as succeeded."""
    text = await client.call("GET", f"{billing}/metrics", admin=False)
    return int(sum(float(value) for value in SETTLED.findall(text)))


async def _measure(processes: list[ServiceProcess], billing_db: str, n: int, sample: int) -> Repetition:
    billing = next(p.url for p in processes if p.name == "billing")
    load_before = os.getloadavg()
    engine = create_engine(billing_db)
    try:
        single = await baselines.single_commits(engine, sample)
    finally:
        await engine.dispose()
    async with Client() as client:
        began = time.perf_counter()
        await _subscribe_all(client, billing, n)
        await _advance(client, billing, START + timedelta(minutes=1))  # the set-up's events, settled
        setup_s = time.perf_counter() - began
        assert await _charges_succeeded(client, billing) == n, "every first period paid"
        began = time.perf_counter()
        await _advance(client, billing, add_months(START, 1) + timedelta(hours=1))
        day_s = time.perf_counter() - began
        assert await _charges_succeeded(client, billing) == 2 * n, "every renewal paid"
    return Repetition(n, single, setup_s, day_s, load_before, os.getloadavg())


async def run(postgres_url: str, n: int, runs: int, sample: int) -> list[Repetition]:
    results = []
    clock = {"CLOCK": "test", "TEST_CLOCK_START": START.isoformat()}
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp, kafka_broker(Path(tmp)) as kafka:
            databases = DatabaseFactory("postgres", Path(tmp), postgres_url)
            processes = await start_services(kafka, databases, Path(tmp), clock)
            try:
                results.append(await _measure(processes, databases.created[0], n, sample))
            finally:
                for process in processes:
                    await asyncio.to_thread(process.stop)
                await databases.drop_all()
        r = results[-1]
        print(
            f"  run {i + 1}/{runs}: {r.renewals_s:,.0f} renewals/s through the stack "
            f"(raw single-row commits {r.single_commits_s:,.0f}/s; set-up {r.setup_s:.0f} s; "
            f"load {r.load_before[0]:.2f} → {r.load_after[0]:.2f})",
            flush=True,
        )
    return results


def section(runs: list[Repetition], postgres: str) -> str:
    r0 = runs[0]
    loads = ", ".join(f"{r.load_before[0]:.2f} → {r.load_after[0]:.2f}" for r in runs)
    renewals = report.spread(runs, lambda r: r.renewals_s, 0)
    ratio = report.spread(runs, lambda r: r.renewals_s / r.single_commits_s, 2)
    lines = [
        f"<!-- renewal-day:{r0.subscriptions} -->",
        f"## A renewal day through the whole stack, {r0.subscriptions:,} subscriptions, "
        f"{len(runs)} run{'s' if len(runs) > 1 else ''}",
        "",
        *report.machine(postgres),
        f"- 1-minute load average before → after each run: {loads}",
        "- the broker and three services as processes on PostgreSQL and `CLOCK=test`; the day is timed"
        " from the clock's advance to its `ready`",
        "",
        "| figure | unit | median (min to max) | ÷ raw single-row commits |",
        "|---|---|---:|---:|",
        f"| raw single-row INSERT+COMMIT (baseline) | rows/s | {report.spread(runs, _single, 0)} |  |",
        f"| renewals, invoiced to consumed by every service | renewals/s | {renewals} | {ratio} |",
        f"| the day | s | {report.spread(runs, lambda r: r.day_s, 1)} |  |",
        f"| set-up through the API, not timed above | s | {report.spread(runs, lambda r: r.setup_s, 0)} |  |",
        f"<!-- /renewal-day:{r0.subscriptions} -->",
    ]
    return "\n".join(lines) + "\n"


def _single(r: Repetition) -> float:
    return r.single_commits_s
