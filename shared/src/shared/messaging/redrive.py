"""Putting dead letters back through the normal path, once their cause is mended.

`<service> dlq redrive --topic T` reads `T.dlq`, picks the messages this service's own
consumers dead-lettered (optionally only those since a moment, or one event id), and
publishes each back to `T` with its original key and content type (and none of the
`dlq-*` headers). Every consumer of `T` then sees it
again: those that had applied it know the event id and skip it, and the one that
dead-lettered it applies it now. Running it twice is harmless for the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared.contracts.wire import CLOUDEVENTS_JSON, CONTENT_TYPE

READ_TIMEOUT_MS = 1500


@dataclass(frozen=True)
class DeadLetter:
    raw: bytes
    key: bytes | None
    headers: dict[str, str]

    @property
    def event_id(self) -> str | None:
        try:
            document = json.loads(self.raw)
        except ValueError:
            return None
        return str(document.get("id")) if isinstance(document, dict) and "id" in document else None

    @property
    def failed_at(self) -> datetime | None:
        stamp = self.headers.get("dlq-failed-at")
        return datetime.fromisoformat(stamp) if stamp else None


def _letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = {name: value.decode(errors="replace") for name, value in record.headers}
    return DeadLetter(record.value or b"", record.key, headers)


async def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    """Everything on `<topic>.dlq`, oldest first."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        dlq = f"{topic}.dlq"
        partitions = [TopicPartition(dlq, p) for p in sorted(consumer.partitions_for_topic(dlq) or ())]
        if not partitions:
            await consumer.topics()
            partitions = [TopicPartition(dlq, p) for p in sorted(consumer.partitions_for_topic(dlq) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        letters: list[DeadLetter] = []
        while batch := await consumer.getmany(timeout_ms=READ_TIMEOUT_MS):
            for records in batch.values():
                letters += [_letter(record) for record in records]
        return letters
    finally:
        await consumer.stop()


def chosen(
    letters: list[DeadLetter],
    consumers: Collection[str],
    *,
    since: datetime | None = None,
    event_id: str | None = None,
) -> list[DeadLetter]:
    """The letters `consumers` dead-lettered, since `since`, or only the event `event_id`."""
    picked = [letter for letter in letters if letter.headers.get("dlq-consumer") in consumers]
    if since is not None:
        picked = [letter for letter in picked if letter.failed_at is None or letter.failed_at >= since]
    if event_id is not None:
        picked = [letter for letter in picked if letter.event_id == event_id]
    return picked


async def redrive(
    bootstrap: str,
    topic: str,
    consumers: Collection[str],
    *,
    since: datetime | None = None,
    event_id: str | None = None,
) -> int:
    """Publish the chosen dead letters of `topic` back to it; answers how many."""
    letters = chosen(await read_dead_letters(bootstrap, topic), consumers, since=since, event_id=event_id)
    if not letters:
        return 0
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for letter in letters:
            content_type = letter.headers.get(CONTENT_TYPE) or CLOUDEVENTS_JSON
            headers = [(CONTENT_TYPE, content_type.encode())]
            await producer.send_and_wait(topic, letter.raw, key=letter.key, headers=headers)
    finally:
        await producer.stop()
    return len(letters)
