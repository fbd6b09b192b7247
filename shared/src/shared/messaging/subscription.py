"""A consumer's batches from FastStream: the raw records, acknowledged only once applied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage

from shared.messaging.dead_letters import SourceInfo

ProcessBatch = Callable[[Sequence[tuple[bytes, SourceInfo]]], Awaitable[object]]


def subscribe_batches(
    broker: KafkaBroker, topic: str, process: ProcessBatch, max_batch: int, *, group_id: str, **options: Any
) -> None:
    """Hand `process` each batch of up to `max_batch` records; the offsets are committed
    only after it returned (FastStream's NACK_ON_ERROR), so a batch that raised comes again."""

    async def on_batch(msg: KafkaMessage) -> None:
        records: tuple[ConsumerRecord[bytes, bytes], ...] = msg.raw_message
        await process([(r.value or b"", SourceInfo.of(r)) for r in records])

    broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=max_batch,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_undecoded,
        **options,
    )(on_batch)


async def _undecoded(message: StreamMessage[Any]) -> None:
    """The consumer decodes the records itself; FastStream's own decoder would parse every
    message's JSON once more just to hand `on_batch` a body it never reads."""
    return None
