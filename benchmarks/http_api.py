"""The HTTP API on PostgreSQL, and each service's memory.

Each repetition starts the three services as processes (as `make run` does, on fresh
PostgreSQL databases and a fresh embedded broker), then sends each route `n` requests,
16 at a time, timing each one: `/healthz` on the same service first (the baseline: what
the HTTP stack alone costs), then the routes a merchant's traffic hits most. A route's
figure is its requests a second and p50/p99 latency, with its ratio to `/healthz`. The
resident memory of every service is read from /proc, idle before the requests and again
after them.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchmarks import report
from benchmarks.load import CONCURRENCY, Client, Timing, hammer
from shared.messaging.topics import ensure_topics, load_topics
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import free_port, kafka_broker
from shared.testing.databases import DatabaseFactory

SERVICES = ("billing", "dunning", "pause")


@dataclass
class Repetition:
    requests: int
    healthz: dict[str, Timing] = field(default_factory=dict)
    routes: dict[str, tuple[str, Timing]] = field(default_factory=dict)  # route -> (service, timing)
    idle_rss_mb: dict[str, float] = field(default_factory=dict)
    busy_rss_mb: dict[str, float] = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from the kernel's own account of it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _pid(process: ServiceProcess) -> int:
    assert process.process is not None, f"{process.name} is not running"
    return process.process.pid


async def start_services(
    kafka: str, databases: DatabaseFactory, folder: Path, extra: Mapping[str, str] | None = None
) -> list[ServiceProcess]:
    """The three services as processes on fresh databases, as `make run` starts them;
    `extra` settings on top (the renewal day runs them on the test clock)."""
    await ensure_topics(kafka, load_topics())
    ports = {name: free_port() for name in SERVICES}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        **dev_portal_keys(folder / "keys"),
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
        **{f"{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()},
        "PORTAL_BASE_URL": f"http://127.0.0.1:{ports['pause']}/portal",
        "MAIL_DIR": str(folder / "mail"),
        "LOG_LEVEL": "WARNING",
    }
    env |= {f"{name.upper()}_DATABASE_URL": await databases.new(name) for name in SERVICES} | dict(
        extra or {}
    )
    processes = [
        ServiceProcess(name, port, env, log_file=folder / f"{name}.log") for name, port in ports.items()
    ]
    for process in processes:
        await asyncio.to_thread(process.migrate)
        process.start()
    for process in processes:
        await asyncio.to_thread(process.wait_ready)
    return processes


async def customers_with_cards(client: Client, billing: str, n: int) -> list[str]:
    ids: list[str] = []

    async def one(i: int) -> object:
        body = {"email": f"setup{i}@example.com", "name": f"Set-up {i}", "timezone": "Europe/Paris"}
        customer = (await client.call("POST", f"{billing}/v1/customers", body))["id"]
        ids.append(customer)
        card = {"payment_method": "pm_card_visa"}
        return await client.call("POST", f"{billing}/v1/customers/{customer}/payment-methods", card)

    await hammer(one, n)
    return ids


async def _until_pause_knows(client: Client, options: str, timeout: float) -> None:
    """Pause learns of subscriptions from billing's events: its reads wait for the last."""
    deadline = time.perf_counter() + timeout
    while not await client.succeeds("GET", options):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"pause did not learn of {options} within {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def _routes(client: Client, billing: str, pause: str, n: int) -> dict[str, tuple[str, Timing]]:
    """The routes a merchant's traffic hits most, each timed over `n` requests."""
    plan = {"code": "bench", "name": "Bench", "amount": 1500, "currency": "EUR", "interval": "month"}
    await client.call("POST", f"{billing}/v1/plans", plan)
    customers = await customers_with_cards(client, billing, n)
    subscriptions: list[str] = []

    async def create_customer(i: int) -> object:
        body = {"email": f"c{i}@example.com", "name": f"Customer {i}", "timezone": "Asia/Tokyo"}
        return await client.call("POST", f"{billing}/v1/customers", body)

    async def subscribe(i: int) -> object:
        body = {"customer_id": customers[i], "plan_code": "bench"}
        subscriptions.append((await client.call("POST", f"{billing}/v1/subscriptions", body))["id"])
        return subscriptions[-1]

    def options_of(subscription: str) -> str:
        return f"{pause}/v1/subscriptions/{subscription}/pause-options"

    routes = {"POST /v1/customers": ("billing", await hammer(create_customer, n))}
    routes["POST /v1/subscriptions"] = ("billing", await hammer(subscribe, n))
    read = partial(client.call, "GET")
    routes["GET /v1/subscriptions/{id}"] = (
        "billing",
        await hammer(lambda i: read(f"{billing}/v1/subscriptions/{subscriptions[i]}"), n),
    )
    await _until_pause_knows(client, options_of(subscriptions[-1]), timeout=120)
    routes["GET …/pause-options"] = ("pause", await hammer(lambda i: read(options_of(subscriptions[i])), n))
    return routes


async def _measure(processes: list[ServiceProcess], n: int) -> Repetition:
    by_name = {process.name: process for process in processes}
    result = Repetition(requests=n, load_before=os.getloadavg())
    await asyncio.sleep(2)  # idle: started, migrated, consumers joined
    result.idle_rss_mb = {p.name: rss_mb(_pid(p)) for p in processes}
    async with Client() as client:
        for name, process in by_name.items():
            healthz = partial(client.call, "GET", f"{process.url}/healthz", admin=False)
            result.healthz[name] = await hammer(lambda _, healthz=healthz: healthz(), n)  # type: ignore[misc]
        result.routes = await _routes(client, by_name["billing"].url, by_name["pause"].url, n)
    result.busy_rss_mb = {p.name: rss_mb(_pid(p)) for p in processes}
    result.load_after = os.getloadavg()
    return result


async def run(postgres_url: str, n: int, runs: int) -> list[Repetition]:
    results = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp, kafka_broker(Path(tmp)) as kafka:
            databases = DatabaseFactory("postgres", Path(tmp), postgres_url)
            processes = await start_services(kafka, databases, Path(tmp))
            try:
                results.append(await _measure(processes, n))
            finally:
                for process in processes:
                    process.stop()
                await databases.drop_all()
        r = results[-1]
        routes = ", ".join(f"{route} {t.requests_s:,.0f}/s" for route, (_, t) in r.routes.items())
        print(
            f"  run {i + 1}/{runs}: {routes} (load {r.load_before[0]:.2f} → {r.load_after[0]:.2f})",
            flush=True,
        )
    return results


def _cells(runs: list[Repetition], timing: Callable[[Repetition], Timing], service: str) -> str:
    """requests/s, ÷ `/healthz` of the same service in the same run, p50 and p99."""
    return " | ".join(
        [
            report.spread(runs, lambda r: timing(r).requests_s, 0),
            report.spread(runs, lambda r: timing(r).requests_s / r.healthz[service].requests_s, 2),
            report.spread(runs, lambda r: timing(r).p50_ms, 1),
            report.spread(runs, lambda r: timing(r).p99_ms, 1),
        ]
    )


def section(runs: list[Repetition], postgres: str) -> str:
    """The figures as a docs/benchmarks.md section: each route against `/healthz` on its service."""
    r0 = runs[0]
    loads = ", ".join(f"{r.load_before[0]:.2f} → {r.load_after[0]:.2f}" for r in runs)
    lines = [
        f"<!-- http-api:{r0.requests} -->",
        f"## HTTP API and memory, {r0.requests:,} requests per route at concurrency {CONCURRENCY}, "
        f"{len(runs)} run{'s' if len(runs) > 1 else ''}",
        "",
        *report.machine(postgres),
        f"- 1-minute load average before → after each run: {loads}",
        "- the services as processes on PostgreSQL, as `make run` starts them;"
        " the client (aiohttp) on this machine",
        "",
        "| route | service | requests/s | ÷ `/healthz` | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in SERVICES:
        lines.append(f"| `/healthz` (baseline) | {name} | {_cells(runs, partial(_healthz, name), name)} |")
    for route, (service, _) in r0.routes.items():
        lines.append(f"| `{route}` | {service} | {_cells(runs, partial(_route, route), service)} |")
    lines += ["", "| service | idle RSS MB | RSS MB after the requests |", "|---|---:|---:|"]
    for name in SERVICES:
        idle = report.spread(runs, partial(_rss, "idle", name), 0)
        busy = report.spread(runs, partial(_rss, "busy", name), 0)
        lines.append(f"| {name} | {idle} | {busy} |")
    lines.append(f"<!-- /http-api:{r0.requests} -->")
    return "\n".join(lines) + "\n"


def _healthz(service: str, r: Repetition) -> Timing:
    return r.healthz[service]


def _route(route: str, r: Repetition) -> Timing:
    return r.routes[route][1]


def _rss(when: str, service: str, r: Repetition) -> float:
    return (r.idle_rss_mb if when == "idle" else r.busy_rss_mb)[service]
