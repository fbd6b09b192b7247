"""The messaging path against raw baselines: the outbox relay against raw Kafka produce,
consumers against raw single-row INSERT+COMMIT (SQLite, or PostgreSQL with a URL)."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from dunning.bootstrap import bootstrap as dunning_bootstrap
from dunning.settings import DunningSettings
from shared.contracts import encode_event, new_event
from shared.contracts.billing import CustomerCreated
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.messaging.consumer import SourceInfo
from shared.messaging.topics import ensure_topics, load_topics
from shared.testing.brokers import kafka_broker
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def event(n: int):  # type: ignore[no-untyped-def]
    data = CustomerCreated(
        customer_id=f"cus_{n:08d}", email=f"c{n}@example.com", name=f"Customer {n}", timezone="UTC",
        created_at=NOW,
    )  # fmt: skip
    return new_event(data, source="/billing", time=NOW)


async def raw_produce(servers: str, n: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5)
    await producer.start()
    payload = encode_event(event(0))
    try:
        started = time.perf_counter()
        futures = [
            await producer.send("billing.events", payload, key=f"cus_{i % 500}".encode()) for i in range(n)
        ]
        await asyncio.gather(*futures)
        return n / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def relay_publish(servers: str, database_url: str, n: int) -> float:
    from billing.bootstrap import bootstrap as billing_bootstrap
    from billing.settings import BillingSettings

    service = billing_bootstrap(
        settings_for(BillingSettings, BILLING_DATABASE_URL=database_url, KAFKA_BOOTSTRAP_SERVERS=servers)
    )
    await upgrade(service.engine, "billing")
    for start in range(0, n, 1000):
        async with service.engine.begin() as connection:
            batch = [(event(i), "billing.events") for i in range(start, min(n, start + 1000))]
            await service.relay.outbox.add(connection, batch)
    await service.broker.connect()
    try:
        started = time.perf_counter()
        published = await service.relay.drain()
        elapsed = time.perf_counter() - started
        assert published == n, published
        return n / elapsed
    finally:
        await service.broker.stop()
        await service.engine.dispose()


async def raw_commits(database_url: str, n: int) -> float:
    engine = create_engine(database_url)
    table = Table("bench_rows", MetaData(), Column("id", Integer, primary_key=True), Column("v", String(50)))
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    try:
        started = time.perf_counter()
        for i in range(n):
            async with engine.begin() as conn:
                await conn.execute(insert(table).values(id=i, v="x"))
        return n / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def consume(database_url: str, n: int, batch: int) -> float:
    service = dunning_bootstrap(settings_for(DunningSettings, DUNNING_DATABASE_URL=database_url))
    await upgrade(service.engine, "dunning")
    consumer = service.consumers[0]
    messages = [(encode_event(event(i)), SourceInfo("billing.events", 0, i, None)) for i in range(n)]
    try:
        started = time.perf_counter()
        for start in range(0, n, batch):
            outcomes = await consumer.process_batch(messages[start : start + batch])
            assert set(outcomes) == {"processed"}, set(outcomes)
        return n / (time.perf_counter() - started)
    finally:
        await service.engine.dispose()


async def run(n: int, database_base: str | None) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, kafka_broker() as servers:
        databases = DatabaseFactory("postgres" if database_base else "sqlite", Path(tmp), database_base)
        try:
            await ensure_topics(servers, load_topics())
            results["raw_produce_msg_s"] = await raw_produce(servers, n)
            results["relay_publish_msg_s"] = await relay_publish(
                servers, await databases.new("bench_relay"), n
            )
            results["raw_commit_per_s"] = await raw_commits(
                await databases.new("bench_commits"), min(n, 3000)
            )
            results["consume_batch200_msg_s"] = await consume(await databases.new("bench_consume"), n, 200)
            results["consume_single_msg_s"] = await consume(
                await databases.new("bench_consume1"), min(n, 2000), 1
            )
        finally:
            await databases.drop_all()  # the PostgreSQL ones; SQLite files go with the folder
    return results


def report(n: int, database_base: str | None) -> dict[str, float]:
    """Run the messaging benchmarks, print their table and keep the figures in var/bench."""
    results = asyncio.run(run(n, database_base))
    database = "PostgreSQL" if database_base else "SQLite"
    rows = [
        ("raw Kafka produce (baseline)", results["raw_produce_msg_s"], "1.00"),
        ("outbox relay publish", results["relay_publish_msg_s"],
         f"{results['relay_publish_msg_s'] / results['raw_produce_msg_s']:.2f} of raw produce"),
        (f"raw {database} INSERT+COMMIT (baseline)", results["raw_commit_per_s"], "1.00"),
        ("consumer, batches of 200, inbox+effects", results["consume_batch200_msg_s"],
         f"{results['consume_batch200_msg_s'] / results['raw_commit_per_s']:.2f}x raw commits"),
        ("consumer, one message per transaction", results["consume_single_msg_s"],
         f"{results['consume_single_msg_s'] / results['raw_commit_per_s']:.2f}x raw commits"),
    ]  # fmt: skip
    print(f"\n{n} events of ~400 bytes, embedded broker, {database}\n")
    print(f"{'path':<44}{'per second':>12}  ratio")
    for name, value, ratio in rows:
        print(f"{name:<44}{value:>12,.0f}  {ratio}")
    save_results("messaging", {"database": database, **results})
    return results


def save_results(kind: str, results: dict[str, object]) -> Path:
    out = Path("var/bench")
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / (f"results-{stamp}.json" if kind == "messaging" else f"{kind}-{stamp}.json")
    path.write_text(json.dumps(results, indent=2))
    return path
