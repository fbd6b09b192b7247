"""The finance report over many cases on PostgreSQL: it must answer in under a second
over 100,000 cases, which only SQL aggregates can (the issue's budget)."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

from sqlalchemy import insert, text

from benchmarks import report
from dunning.adapters.case_queries import FinanceQueries
from dunning.adapters.orm import dunning_cases
from dunning.adapters.report_sql import GroupBy
from shared.contracts.dunning import RecoveryMethod
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.http.report_period import END_OF_TIME, ReportPeriod
from shared.testing.databases import DatabaseFactory

START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 5000
BUDGET_S = 1.0


def synthetic_case(n: int, rng: random.Random) -> dict[str, Any]:
    """A closed or open case, spread over six cohorts, two variants and three currencies."""
    opened = START + timedelta(minutes=rng.randrange(6 * 30 * 24 * 60))
    outcome = rng.choices(["recovered", "paused", "canceled", None], [70, 15, 10, 5])[0]
    closed = opened + timedelta(hours=rng.randrange(1, 21 * 24)) if outcome else None
    currency, amount = rng.choice([("USD", 1500), ("EUR", 1400), ("JPY", 2000)])
    checked = outcome in ("recovered", "paused") and rng.random() < 0.8
    return {
        "id": f"dc_{n:08d}", "invoice_id": f"in_{n:08d}", "subscription_id": f"sub_{n:08d}",
        "customer_id": f"cus_{n:08d}", "amount_due": amount, "currency": currency,
        "decline_code": rng.choice(["expired_card", "insufficient_funds", "card_declined", "lost_card"]),
        "decline_class": "expired_card", "policy_version": "gentle-v1",
        "variant": rng.choices(["gentle", "holdout"], [90, 10])[0],
        "status": "closed" if outcome else "open", "outcome": outcome, "opened_at": opened,
        "closed_at": closed, "recovered_amount": amount if outcome == "recovered" else None,
        "reminders_sent": rng.randrange(4), "retries_made": rng.randrange(1, 6), "state": "{}",
        "recovery_method": rng.choice(list(RecoveryMethod)).value if outcome == "recovered" else None,
        "retained_30d": (rng.random() < 0.9) if checked else None,
        "retention_check_at": (
            closed + timedelta(days=30) if closed and outcome != "canceled" and not checked else None
        ),
    }  # fmt: skip


async def run(server: str, cases: int, runs: int) -> dict[str, list[float]]:
    """Seconds per report, each group_by `runs` times, on a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        databases = DatabaseFactory("postgres", Path(tmp), server)
        try:
            engine = create_engine(await databases.new("bench_finance_report"))
            await upgrade(engine, "dunning")
            rng = random.Random(1)
            async with engine.begin() as conn:
                for first in range(0, cases, BATCH):
                    rows = [synthetic_case(n, rng) for n in range(first, min(cases, first + BATCH))]
                    await conn.execute(insert(dunning_cases), rows)
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE dunning_cases"))  # as autovacuum would have
            queries, period = FinanceQueries(engine), ReportPeriod.parse(None, None, default_end=END_OF_TIME)
            seconds: dict[str, list[float]] = {}
            for group_by in get_args(GroupBy):
                for _ in range(runs):
                    began = time.perf_counter()
                    await queries.report(period, group_by)
                    seconds.setdefault(group_by, []).append(time.perf_counter() - began)
                print(
                    f"  group_by={group_by}: median {statistics.median(seconds[group_by]):.3f} s", flush=True
                )
            await engine.dispose()
            return seconds
        finally:
            await databases.drop_all()


def section(cases: int, seconds: dict[str, list[float]], postgres: str) -> str:
    marker = f"finance-report:{cases}"
    lines = [
        f"<!-- {marker} -->",
        f"## Finance report over {cases:,} cases",
        "",
        *report.machine(postgres),
        f"- `GET /v1/dunning/report` as `FinanceQueries.report`; budget {BUDGET_S:.0f} s",
        "",
        "| group_by | median s (min to max) | within budget |",
        "|---|---:|---|",
    ]
    for group_by, times in seconds.items():
        median = statistics.median(times)
        spread = f"{median:.3f} ({min(times):.3f} to {max(times):.3f})"
        lines.append(f"| {group_by} | {spread} | {'yes' if max(times) < BUDGET_S else 'no'} |")
    return "\n".join([*lines, f"<!-- /{marker} -->"]) + "\n"
