"""The FastStream Kafka broker, built the same way by every service.

The embedded broker has no idempotent producer and no transactions, so neither is
used: delivery is at-least-once, made safe by the outbox and the idempotent inbox.
"""

from __future__ import annotations

import asyncio
import logging

from faststream.kafka import KafkaBroker

from shared.contracts.wire import CLOUDEVENTS_JSON, CONTENT_TYPE
from shared.outbox.broker_marks import Placed
from shared.outbox.store import OutboxRow
from shared.tracing import TRACEPARENT

METADATA_MAX_AGE_MS = 10_000


def create_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        request_timeout_ms=15000,
        # A consumer that (re)joined while its topic did not exist, as when the broker was
        # rebuilt empty, notices the topic at its next metadata refresh: 10 s, not 5 min.
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        logger=logging.getLogger(f"faststream.{client_id}"),
    )


class KafkaBatchPublisher:
    """Publishes outbox rows with their keys, waiting for every acknowledgement.

    Sends are queued in row order before any is awaited, so the producer batches them
    while keeping each partition's order. Answers where the broker placed each one.
    """

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def publish_batch(self, rows: list[OutboxRow]) -> list[Placed]:
        pending = []
        for row in rows:
            pending.append(
                await self.broker.publish(
                    row.payload,
                    row.topic,
                    key=row.key.encode() if row.key else None,
                    headers=_headers(row),
                    no_confirm=True,
                )
            )
        acknowledged = await asyncio.gather(*pending)
        return [
            Placed(meta.topic, meta.partition, meta.offset, row.event_id)
            for row, meta in zip(rows, acknowledged, strict=True)
            if meta is not None
        ]


def _headers(row: OutboxRow) -> dict[str, str]:
    """CloudEvents structured mode (`shared.contracts.wire`): the whole event is the value,
    and no `ce_` header (that would mean binary mode). `traceparent` is W3C Trace Context's,
    which the CloudEvents Distributed Tracing extension also names as the header to use."""
    headers = {CONTENT_TYPE: CLOUDEVENTS_JSON}
    if row.traceparent:
        headers[TRACEPARENT] = row.traceparent
    return headers
