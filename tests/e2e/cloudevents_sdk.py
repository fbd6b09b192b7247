"""What an outside consumer using the official CloudEvents SDK reads off our topics.

It compares every record on a topic, parsed by `cloudevents.core.bindings.kafka`, with
the producer's own outbox: the event the service stored is the event the SDK reads,
attribute for attribute, with its subject as the Kafka key.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from aiokafka import ConsumerRecord
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from sqlalchemy import text

from shared.contracts.wire import CLOUDEVENTS_JSON
from shared.db import create_engine
from tests.e2e.stack import Billing, records

OUTBOX = "SELECT event_id, message_key, payload, published_at FROM outbox_messages WHERE topic = :topic"
Stored = dict[str, tuple[str | None, dict[str, Any], bool]]


async def outbox(database_url: str, topic: str) -> Stored:
    """The events a service stored for `topic`: their keys, payloads and whether the
    relay has marked them published, by event id."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(OUTBOX), {"topic": topic})).all()
    finally:
        await engine.dispose()
    return {r.event_id: (r.message_key, json.loads(r.payload), r.published_at is not None) for r in rows}


def read_with_the_sdk(record: ConsumerRecord[bytes, bytes]) -> BaseCloudEvent:
    headers = dict(record.headers)
    assert headers.get("content-type") == CLOUDEVENTS_JSON.encode(), headers
    assert not [name for name in headers if name.lower().startswith("ce_")], "structured mode has no ce_"
    return from_kafka_event(KafkaMessage(headers=headers, key=record.key, value=record.value or b""))


async def _check(stack: Billing, kafka: str, topic: str, producers: tuple[str, ...]) -> list[str]:
    stored: Stored = {}
    for producer in producers:
        stored |= await outbox(stack.databases[producer], topic)
    events = [read_with_the_sdk(record) for record in await records(kafka, topic)]
    assert events, f"nothing was published on {topic}"
    published = {event_id for event_id, (_, _, marked) in stored.items() if marked}
    assert published <= {event.get_id() for event in events}, f"published events missing on {topic}"
    for event in events:
        key, payload, _ = stored[event.get_id()]
        assert (event.get_source(), event.get_type()) == (payload["source"], payload["type"])
        assert event.get_time() == datetime.fromisoformat(payload["time"])
        assert event.get_subject() == payload["subject"]
        assert event.get_data() == payload["data"]
        assert event.get_extension("partitionkey") == key == payload["subject"]
    return [event.get_type() for event in events]


async def assert_the_sdk_reads_what_was_published(
    stack: Billing, kafka: str, topics: dict[str, tuple[str, ...]]
) -> set[str]:
    """For each topic and its producers: every event marked published is on the topic,
    and the SDK reads each record as the producer stored it. Answers the types it read."""
    read = await asyncio.gather(*(_check(stack, kafka, t, producers) for t, producers in topics.items()))
    return {event_type for types in read for event_type in types}
