"""The FastStream Kafka broker, built the same way by every service.

The embedded broker has no idempotent producer and no transactions, so neither is
used: delivery is at-least-once, made safe by the outbox and the idempotent inbox.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from shared.contracts.wire import CLOUDEVENTS_JSON, CONTENT_TYPE
from shared.outbox.broker_marks import Placed
from shared.outbox.store import OutboxRow
from shared.tracing import TRACEPARENT

METADATA_MAX_AGE_MS = 10_000


PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": False,
    "linger_ms": 5,
    "request_timeout_ms": 15000,
    # A consumer that (re)joined while its topic did not exist, as when the broker was
    # rebuilt empty, notices the topic at its next metadata refresh: 10 s, not 5 min.
    "metadata_max_age_ms": METADATA_MAX_AGE_MS,
}
"""One producer's settings for every client: FastStream's broker and the relay's own."""


def create_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        bootstrap_servers.split(","),
        client_id=client_id,
        logger=logging.getLogger(f"faststream.{client_id}"),
        **PRODUCER_SETTINGS,
    )


class KafkaBatchPublisher:
    """Publishes outbox rows with their keys, waiting for every acknowledgement.

    Sends are queued in row order before any is awaited, so the producer batches them
    while keeping each partition's order. Answers where the broker placed each one.

    The relay sends every event its service writes, through an aiokafka producer of its
    own rather than FastStream's `publish`: FastStream's work per message (a command, a
    correlation id, the codec) took half again the CPU of the send itself, and the relay
    shares its process's one core with the consumers. The producer starts at the first
    batch; one that failed to start is not kept, so the next batch tries again.
    """

    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def publish_batch(self, rows: list[OutboxRow]) -> list[Placed]:
        producer = await self._started()
        pending = []
        for row in rows:
            key = row.key.encode() if row.key else None
            pending.append(await producer.send(row.topic, row.payload, key=key, headers=_headers(row)))
        acknowledged = await asyncio.gather(*pending)
        return [
            Placed(meta.topic, meta.partition, meta.offset, row.event_id)
            for row, meta in zip(rows, acknowledged, strict=True)
        ]

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers.split(","),
                client_id=f"{self.client_id}-relay",
                **PRODUCER_SETTINGS,
            )
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer


def _headers(row: OutboxRow) -> list[tuple[str, bytes]]:
    """CloudEvents structured mode (`shared.contracts.wire`): the whole event is the value,
    and no `ce_` header (that would mean binary mode). `traceparent` is W3C Trace Context's,
    which the CloudEvents Distributed Tracing extension also names as the header to use."""
    headers = [(CONTENT_TYPE, CLOUDEVENTS_JSON.encode())]
    if row.traceparent:
        headers.append((TRACEPARENT, row.traceparent.encode()))
    return headers
