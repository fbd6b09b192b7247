"""Billing's outbox to dunning's and pause's inboxes, and to an outside consumer, over the real broker."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from sqlalchemy import Table, func, select

from billing.adapters.orm import customers
from billing.adapters.orm import messaging as billing_messaging
from billing.bootstrap import bootstrap as billing_bootstrap
from billing.service_layer.customers import RegisterCustomer, register_customer
from billing.settings import BillingSettings
from dunning.adapters import orm as dunning_orm
from dunning.bootstrap import bootstrap as dunning_bootstrap
from dunning.settings import DunningSettings
from pause.adapters import orm as pause_orm
from pause.bootstrap import bootstrap as pause_bootstrap
from pause.settings import PauseSettings
from shared.contracts.wire import CLOUDEVENTS_JSON
from shared.messaging.topics import ensure_topics, load_topics
from shared.outbox.broker_marks import Placed
from shared.outbox.relay import BatchPublisher
from shared.outbox.store import OutboxRow
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import running, settings_for
from shared.testing.waiting import eventually

ADMIN = {"Authorization": "Bearer dev-admin-key"}
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "consume_billing_events.py"
pytestmark = pytest.mark.broker


class Stack:
    def __init__(
        self, billing: Service[Any, Any], dunning: Service[Any, Any], pause: Service[Any, Any]
    ) -> None:
        self.billing, self.dunning, self.pause = billing, dunning, pause

    def http(self, service: Service[Any, Any]) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://test")

    async def count(self, service: Service[Any, Any], table: Table) -> int:
        async with service.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.fixture
async def stack(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Stack]:
    await ensure_topics(kafka, load_topics())
    common = {"KAFKA_BOOTSTRAP_SERVERS": kafka}
    billing = billing_bootstrap(
        settings_for(BillingSettings, BILLING_DATABASE_URL=await databases.new("billing"), **common)
    )
    dunning = dunning_bootstrap(
        settings_for(DunningSettings, DUNNING_DATABASE_URL=await databases.new("dunning"), **common)
    )
    pause = pause_bootstrap(
        settings_for(PauseSettings, PAUSE_DATABASE_URL=await databases.new("pause"), **common)
    )
    async with AsyncExitStack() as services:
        for service in (billing, dunning, pause):
            await services.enter_async_context(running(service, service.name))
        yield Stack(billing, dunning, pause)


async def test_a_customer_created_in_billing_reaches_dunning_and_pause(stack: Stack) -> None:
    async with stack.http(stack.billing) as client:
        response = await client.post(
            "/v1/customers",
            json={"email": "ada@example.com", "name": "Ada", "timezone": "Europe/Paris"},
            headers=ADMIN,
        )
    assert response.status_code == 201, response.text
    customer_id = response.json()["id"]

    for service in (stack.dunning, stack.pause):
        async with stack.http(service) as client:

            async def profile(client: httpx.AsyncClient = client) -> httpx.Response:
                return await client.get(f"/v1/customers/{customer_id}", headers=ADMIN)

            found = await eventually(profile, lambda r: r.status_code == 200, what=f"{service.name} replica")
        assert found.json()["timezone"] == "Europe/Paris"
        assert found.json()["email"] == "ada@example.com"


async def test_a_language_changed_in_billing_reaches_dunning_and_pause(stack: Stack) -> None:
    async with stack.http(stack.billing) as client:
        body = {"email": "ada@example.com", "name": "Ada", "timezone": "Europe/Paris", "locale": "fr"}
        customer_id = (await client.post("/v1/customers", json=body, headers=ADMIN)).json()["id"]
        changed = await client.patch(f"/v1/customers/{customer_id}", json={"locale": "ja"}, headers=ADMIN)
    assert changed.status_code == 200, changed.text

    for service in (stack.dunning, stack.pause):
        async with stack.http(service) as client:

            async def locale(client: httpx.AsyncClient = client) -> object:
                answer = await client.get(f"/v1/customers/{customer_id}", headers=ADMIN)
                return answer.json().get("locale") if answer.status_code == 200 else None

            await eventually(locale, lambda found: found == "ja", what=f"{service.name} replica")


class CrashingPublisher:
    """Publishes half a batch, then dies before the relay can mark anything published."""

    def __init__(self, real: BatchPublisher) -> None:
        self.real = real

    async def publish_batch(self, rows: list[OutboxRow]) -> list[Placed]:
        await self.real.publish_batch(rows[: len(rows) // 2])
        raise ConnectionResetError("relay killed mid-batch")

    async def close(self) -> None:
        await self.real.close()


async def test_a_relay_that_dies_mid_batch_loses_nothing_and_applies_nothing_twice(stack: Stack) -> None:
    stack.billing.relay.publisher, real = (
        CrashingPublisher(stack.billing.relay.publisher),
        stack.billing.relay.publisher,
    )
    stack.billing.relay.batch_size = 400
    for n in range(1000):
        async with stack.billing.unit_of_work() as work:
            command = RegisterCustomer(email=f"c{n}@example.com", name=f"Customer {n}", timezone="UTC")
            await register_customer(command, work)
            await work.commit()
    assert await stack.count(stack.billing, customers) == 1000

    async def consumed_by_dunning() -> int:
        return await stack.count(stack.dunning, dunning_orm.customer_profiles)

    await eventually(consumed_by_dunning, lambda n: n >= 200, what="first half-batch consumed")
    stack.billing.relay.publisher = real  # the restarted relay
    await stack.billing.relay.drain()

    for service, orm in ((stack.dunning, dunning_orm), (stack.pause, pause_orm)):

        async def state(service: Service[Any, Any] = service, orm: ModuleType = orm) -> tuple[int, int]:
            return (
                await stack.count(service, orm.customer_profiles),
                await stack.count(service, orm.messaging.inbox),
            )

        assert await eventually(
            state, lambda s: s == (1000, 1000), timeout=60, what=f"{service.name} state"
        ) == (
            1000,
            1000,
        )
    assert stack.dunning.consumers[0].consumed > 1000, "the first half-batch must have been delivered twice"


async def test_a_malformed_message_is_dead_lettered_and_the_consumers_go_on(stack: Stack, kafka: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        await producer.send_and_wait("billing.events", b"{not json", key=b"cus_broken")
        bad_data = {
            "specversion": "1.0",
            "id": "7d8f6a5e-8a36-4a4e-9d59-0b7a1a9c0d11",
            "type": "customer.created",
            "source": "/somewhere",
            "time": "2026-01-01T00:00:00Z",
            "data": {"customer_id": "cus_x"},
        }
        await producer.send_and_wait(
            "billing.events",
            json.dumps(bad_data).encode(),
            key=b"cus_x",
            headers=[("content-type", CLOUDEVENTS_JSON.encode())],
        )
    finally:
        await producer.stop()

    dlq = AIOKafkaConsumer(
        "billing.events.dlq",
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        group_id="dlq-reader",
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )
    await dlq.start()
    try:
        seen: list[ConsumerRecord] = []

        async def dead_letters() -> int:
            batch = await dlq.getmany(timeout_ms=500)
            seen.extend(record for records in batch.values() for record in records)
            return len(seen)

        # each of dunning and pause dead-letters both messages
        await eventually(dead_letters, lambda n: n >= 4, timeout=30, what="dead letters")
    finally:
        await dlq.stop()
    headers = [dict(record.headers) for record in seen]
    assert {h["dlq-consumer"] for h in headers} == {b"dunning.billing-events", b"pause.billing-events"}
    assert all(h["dlq-source-topic"] == b"billing.events" for h in headers)
    assert all(h["dlq-kind"] == b"malformed" for h in headers)
    reasons = sorted({h["dlq-reason"].decode() for h in headers})
    assert any("not JSON" in r for r in reasons)
    assert any("email" in r and "customer.created" in r for r in reasons), reasons
    assert {record.value for record in seen} >= {b"{not json"}
    # A dead letter keeps its content type, and the dlq-* headers are not ce_ headers, so
    # the CloudEvents SDK still reads it as the structured-mode event it was.
    for record in (r for r in seen if r.value != b"{not json"):
        assert dict(record.headers)["content-type"] == CLOUDEVENTS_JSON.encode()
        message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
        event = from_kafka_event(message)
        assert (event.get_id(), event.get_type(), event.get_source()) == (
            bad_data["id"],
            "customer.created",
            "/somewhere",
        )
        assert event.get_data() == bad_data["data"]
        assert event.get_extension("partitionkey") == "cus_x"

    await test_a_customer_created_in_billing_reaches_dunning_and_pause(stack)


async def test_the_example_consumer_prints_each_published_event_once(stack: Stack, kafka: str) -> None:
    since = datetime.now(UTC)
    for n in range(3):
        async with stack.billing.unit_of_work() as work:
            await register_customer(
                RegisterCustomer(email=f"e{n}@example.com", name="E", timezone="UTC"), work
            )
            await work.commit()
    await eventually(stack.billing.relay.pending, lambda n: n == 0, what="published")
    async with stack.billing.engine.begin() as conn:  # `billing republish --since`: each comes twice
        assert await stack.billing.relay.outbox.republish_since(conn, since) == 3
    await eventually(stack.billing.relay.pending, lambda n: n == 0, what="republished")
    async with stack.billing.engine.connect() as conn:
        published = set((await conn.execute(select(billing_messaging.outbox.c.event_id))).scalars())

    example = await asyncio.create_subprocess_exec(
        *[sys.executable, str(EXAMPLE), "--bootstrap-servers", kafka, "--group", "example-test"],
        *["--topic", "billing.events", "--max-events", "10", "--timeout", "2"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(example.communicate(), timeout=60)
    assert example.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert len(lines) == 3, lines
    assert all(" customer.created key=cus_" in line and "source=/billing" in line for line in lines), lines
    assert {line.split(" id=")[1].split()[0] for line in lines} == published
    assert "3 events, 3 duplicates skipped" in err.decode()
