"""A service's consumer through the real broker, on PostgreSQL: dunning opening cases
from `payment.failed`, pause keeping its replica of subscriptions from `subscription.created`,
billing cancelling subscriptions on dunning's `subscription.cancel` (`benchmarks.billing_commands`).

Each repetition starts a fresh embedded broker and database, writes `n` events to the
subject's topic, then measures two readers of the same messages:
- raw aiokafka, reading every message and doing nothing with it (the baseline);
- the service (consumers, scheduler and relay as in production, no HTTP), until every
  event has left its row (a case, a subscription in the replica). Both are timed from
  the end of their start, and the service's start is its own figure.

Then, on the same service, once the database has its statistics (`analyze`), a steady
stream at a fixed rate, timed from each send to the commit of the batch that applied it. The process's
resident memory is read before the service starts and at its peak through the burst
(the peak is reset first, so it is the service's, not the producer's).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select, text

from benchmarks import report
from dunning.adapters.orm import dunning_cases
from dunning.bootstrap import bootstrap as dunning_service
from dunning.settings import DunningSettings
from pause.adapters.orm import subscription_views
from pause.bootstrap import bootstrap as pause_service
from pause.settings import PauseSettings
from shared.contracts import encode_event, new_event
from shared.contracts.base import EventData
from shared.contracts.billing import PaymentFailed, SubscriptionCreated
from shared.db.migrations import upgrade
from shared.messaging.consumer import EventConsumer, SourceInfo
from shared.messaging.topics import ensure_topics, load_topics
from shared.money import Money
from shared.service import Service
from shared.testing.brokers import kafka_broker
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

NOW = datetime.now(UTC).replace(microsecond=0)
"""The failures happen as the benchmark runs, as they do in production: a case opened
from a failure months old is due at once (its window long over), so from the end of
the customer's quiet hours on the scheduler would be working through every case
opened beside the consumer, and the figure would depend on the hour it was taken."""
AnyService = Service[Any, Any]


def failure(n: int) -> EventData:
    return PaymentFailed(
        payment_id=f"pay_{n:09d}", invoice_id=f"in_{n:09d}", subscription_id=f"sub_{n:09d}",
        customer_id=f"cus_{n:09d}", amount=Money.of(1500, "EUR"), attempt_number=1,
        attempted_at=NOW, decline_code="insufficient_funds",
    )  # fmt: skip


def subscription(n: int) -> EventData:
    return SubscriptionCreated(
        subscription_id=f"sub_{n:09d}", customer_id=f"cus_{n:09d}", plan_code="pro",
        price=Money.of(1500, "EUR"), interval="month", beach_fee=Money.of(100, "EUR"), status="active",
        current_period_start=NOW, current_period_end=NOW + timedelta(days=31),
    )  # fmt: skip


@dataclass(frozen=True)
class Subject:
    """What one benchmark feeds a service, and how it counts what the service applied."""

    name: str
    what: str  # the figure's name: "`payment.failed` → case opened"
    event: Callable[[int], EventData]
    service: Callable[[str, str], AnyService]  # (database URL, bootstrap servers)
    rows: Any  # the table with one row per applied event
    topic: str = "billing.events"
    prepare: Callable[[AnyService, int], Awaitable[None]] | None = None  # what `n` events act on
    applied_when: Any = None  # a condition on `rows` for an applied event, if not every row


DUNNING = Subject(
    "dunning", "`payment.failed` → case opened", failure,
    lambda db, servers: dunning_service(
        settings_for(DunningSettings, DUNNING_DATABASE_URL=db, KAFKA_BOOTSTRAP_SERVERS=servers)
    ),
    dunning_cases,
)  # fmt: skip
PAUSE = Subject(
    "pause", "`subscription.created` → replica row", subscription,
    lambda db, servers: pause_service(
        settings_for(PauseSettings, PAUSE_DATABASE_URL=db, KAFKA_BOOTSTRAP_SERVERS=servers)
    ),
    subscription_views,
)  # fmt: skip


def encoded(subject: Subject, n: int) -> bytes:
    return encode_event(new_event(subject.event(n), source="/billing", time=NOW))


async def produce(
    servers: str, subject: Subject, first: int, n: int, rate: float | None = None
) -> dict[str, float]:
    """Send events `first`..`first+n`, at `rate` a second if given; their send times by id."""
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=2)
    await producer.start()
    sent: dict[str, float] = {}
    try:
        started = time.perf_counter()
        pending = []
        for i in range(first, first + n):
            if rate is not None:
                await asyncio.sleep(max(0.0, started + (i - first) / rate - time.perf_counter()))
            raw = encoded(subject, i)
            sent[json.loads(raw)["id"]] = time.perf_counter()
            pending.append(await producer.send(subject.topic, raw, key=f"sub_{i:09d}".encode()))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def raw_consume(servers: str, topic: str, n: int) -> float:
    """Messages a second for a bare aiokafka reader of the topic from its start."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=1000)
            seen += sum(len(records) for records in batches.values())
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def watch_commits(consumer: EventConsumer) -> dict[str, float]:
    """Wraps the consumer so that each applied message's id maps to when its batch committed."""
    committed: dict[str, float] = {}
    process_batch = consumer.process_batch

    async def timed(messages: Sequence[tuple[bytes, SourceInfo]]) -> list[str]:
        outcomes = await process_batch(messages)
        now = time.perf_counter()
        for raw, _ in messages:
            committed[json.loads(raw)["id"]] = now
        return outcomes

    consumer.process_batch = timed  # type: ignore[method-assign]
    return committed


async def applied(subject: Subject, service: AnyService) -> int:
    query = select(func.count()).select_from(subject.rows)
    if subject.applied_when is not None:
        query = query.where(subject.applied_when)
    async with service.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def analyze(service: AnyService) -> None:
    """Statistics for the tables the burst filled, as autovacuum gives them within its next
    minute. Seconds after the burst the planner still has none: it takes the inbox for a
    few rows and reads every one of a consumer's to find a batch's thirty ids (a tenth of a
    batch's time), a state a live database is in for a minute after its first burst, and
    not the steady state this part measures."""
    async with service.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def until_consumed(consumer: EventConsumer, n: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while consumer.consumed < n:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"consumed {consumer.consumed} of {n} within {timeout:.0f} s")
        await asyncio.sleep(0.01)


@dataclass(frozen=True)
class Repetition:
    subject: str
    events: int
    raw_consume_s: float
    start_s: float  # from `start()` until it returned: the consumer groups joined
    cases_s: float  # from then until the last event was applied
    cpu_ms: float  # this process's CPU per event while the service consumed the burst
    rate: float
    latency_p50_ms: float
    latency_p99_ms: float
    idle_rss_mb: float
    peak_rss_mb: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


async def _measure(
    subject: Subject, servers: str, database_url: str, n: int, rate: float, steady: int
) -> Repetition:
    load_before = os.getloadavg()
    await ensure_topics(servers, load_topics())
    await produce(servers, subject, 0, n)
    raw = await raw_consume(servers, subject.topic, n)
    service = subject.service(database_url, servers)
    await upgrade(service.engine, subject.name)
    if subject.prepare is not None:
        await subject.prepare(service, n + steady)
    consumer = next(c for c in service.consumers if c.topic.value == subject.topic)
    committed = watch_commits(consumer)
    idle_rss = memory_mb("VmRSS")
    reset_peak_memory()
    starting = time.perf_counter()
    await service.start()
    # Timed from here, as the raw reader is timed from its own start: what comes before is
    # the broker's group join (a second per consumer on the embedded broker, three by
    # default on Apache Kafka), the same whether the topic holds ten events or a million.
    started, cpu = time.perf_counter(), time.process_time()
    try:
        await until_consumed(consumer, n, timeout=600)
        cases_s = n / (time.perf_counter() - started)
        cpu_ms = 1000 * (time.process_time() - cpu) / n
        assert await applied(subject, service) == n, f"every event leaves its row in {subject.name}"
        await analyze(service)
        sent = await produce(servers, subject, n, steady, rate=rate)
        await until_consumed(consumer, n + steady, timeout=600)
        peak_rss = memory_mb("VmHWM")
    finally:
        await service.stop()
    latencies = sorted(1000 * (committed[event] - at) for event, at in sent.items())
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return Repetition(
        subject.name, n, raw, started - starting, cases_s, cpu_ms, rate, statistics.median(latencies), p99,
        idle_rss, peak_rss, load_before, os.getloadavg(),
    )  # fmt: skip


def memory_mb(field: str) -> float:
    """This process's resident memory now (`VmRSS`) or at its peak (`VmHWM`), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_memory() -> None:
    """Linux's peak-RSS reset: from here `VmHWM` is the service's burst, not the set-up's."""
    Path("/proc/self/clear_refs").write_text("5")


async def repetition(subject: Subject, server: str, n: int, rate: float, steady: int) -> Repetition:
    """One repetition on a fresh broker and database, both gone afterwards."""
    with tempfile.TemporaryDirectory() as tmp, kafka_broker() as servers:
        databases = DatabaseFactory("postgres", Path(tmp), server)
        try:
            database = await databases.new(f"bench_{subject.name}")
            return await _measure(subject, servers, database, n, rate, steady)
        finally:
            await databases.drop_all()


async def run(subject: Subject, server: str, n: int, runs: int, rate: float, steady: int) -> list[Repetition]:
    done = []
    for i in range(runs):
        done.append(await repetition(subject, server, n, rate, steady))
        r = done[-1]
        print(
            f"  run {i + 1}/{runs}: started in {r.start_s:.1f} s, then {r.cases_s:,.0f} applied/s, "
            f"{r.cpu_ms:.2f} ms CPU each "
            f"(raw consume {r.raw_consume_s:,.0f}/s); "
            f"at {r.rate:,.0f}/s p50 {r.latency_p50_ms:,.0f} ms, p99 {r.latency_p99_ms:,.0f} ms "
            f"(load {r.load_before[0]:.2f} → {r.load_after[0]:.2f})",
            flush=True,
        )
    return done


def section(subject: Subject, runs: list[Repetition], postgres: str) -> str:
    """The figures as a docs/benchmarks.md section, each with its ratio to raw consume."""
    r0 = runs[0]
    loads = ", ".join(f"{r.load_before[0]:.2f} → {r.load_after[0]:.2f}" for r in runs)
    rows: list[tuple[str, str, Callable[[Repetition], float], bool]] = [
        ("raw aiokafka consume (baseline)", "msg/s", lambda r: r.raw_consume_s, False),
        ("service start, until its consumer groups joined", "s", lambda r: r.start_s, False),
        (f"{subject.what}, whole service, once started", "events/s", lambda r: r.cases_s, True),
        ("CPU of the service's process per event, through the burst", "ms", lambda r: r.cpu_ms, False),
        (f"publish → committed at {r0.rate:,.0f}/s, p50", "ms", lambda r: r.latency_p50_ms, False),
        (f"publish → committed at {r0.rate:,.0f}/s, p99", "ms", lambda r: r.latency_p99_ms, False),
        ("resident memory before the service starts", "MB", lambda r: r.idle_rss_mb, False),
        ("resident memory at its peak through the events", "MB", lambda r: r.peak_rss_mb, False),
    ]
    lines = [
        f"<!-- {subject.name}:{r0.events} -->",
        f"## {subject.name.capitalize()} consumer, {r0.events:,} events, "
        f"{len(runs)} run{'s' if len(runs) > 1 else ''}",
        "",
        *report.machine(postgres),
        f"- 1-minute load average before → after each run: {loads}",
        "- each run on a fresh embedded broker and database; the service timed from the end of its start; "
        "latency over 10 s at a steady rate, after an `ANALYZE`",
        "- memory is the benchmark process's, which runs the service (the broker is its own process)",
        "",
        "| figure | unit | median (min to max) | ÷ raw consume |",
        "|---|---|---:|---:|",
    ]
    for name, unit, figure, ratio in rows:
        digits = report.digits_for(statistics.median(figure(r) for r in runs))
        ratio_cell = report.spread(runs, lambda r, f=figure: f(r) / r.raw_consume_s, 4) if ratio else ""  # type: ignore[misc]
        lines.append(f"| {name} | {unit} | {report.spread(runs, figure, digits)} | {ratio_cell} |")
    return "\n".join([*lines, f"<!-- /{subject.name}:{r0.events} -->"]) + "\n"
