"""`dlq redrive` on the real broker: a service's own dead letters go back to their topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer
from tests.e2e.stack import read_all

from shared.contracts import encode_event, new_event
from shared.contracts.billing import CustomerCreated
from shared.messaging.redrive import read_dead_letters, redrive
from shared.messaging.topics import ensure_topics, load_topics

pytestmark = pytest.mark.broker
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def event(n: int) -> bytes:
    data = CustomerCreated(
        customer_id=f"cus_{n}", email=f"c{n}@example.com", name="C", timezone="UTC", created_at=NOW
    )
    return encode_event(new_event(data, source="/billing", time=NOW))


async def dead_letter(kafka: str, raw: bytes, consumer: str, failed_at: datetime) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        headers = [
            ("dlq-consumer", consumer.encode()),
            ("dlq-kind", b"handler_failed"),
            ("dlq-failed-at", failed_at.isoformat().encode()),
        ]
        await producer.send_and_wait("billing.events.dlq", raw, key=b"cus", headers=headers)
    finally:
        await producer.stop()


async def test_redrive_publishes_only_this_services_dead_letters_back_with_their_content(kafka: str) -> None:
    await ensure_topics(kafka, load_topics())
    await dead_letter(kafka, event(1), "pause.billing-events", NOW)
    await dead_letter(kafka, event(2), "dunning.billing-events", NOW)
    await dead_letter(kafka, event(3), "pause.billing-events", NOW + timedelta(hours=2))

    assert await redrive(kafka, "billing.events", ["pause.billing-events"]) == 2

    back = await read_all(kafka, "billing.events")
    assert sorted(e["data"]["customer_id"] for e in back) == ["cus_1", "cus_3"]  # type: ignore[index]
    assert len(await read_dead_letters(kafka, "billing.events")) == 3, "the DLQ keeps its record"


async def test_redrive_can_pick_one_event_or_only_the_recent_letters(kafka: str) -> None:
    await ensure_topics(kafka, load_topics())
    first, second = event(1), event(2)
    await dead_letter(kafka, first, "pause.billing-events", NOW)
    await dead_letter(kafka, second, "pause.billing-events", NOW + timedelta(hours=2))
    first_id = json.loads(first)["id"]

    assert await redrive(kafka, "billing.events", ["pause.billing-events"], event_id=first_id) == 1
    assert (
        await redrive(kafka, "billing.events", ["pause.billing-events"], since=NOW + timedelta(hours=1)) == 1
    )

    back = [e["id"] for e in await read_all(kafka, "billing.events")]
    assert back == [first_id, json.loads(second)["id"]]
