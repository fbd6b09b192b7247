"""Dead letters: a message that can never be processed is kept on `<topic>.dlq`, with why.

The headers say what went wrong and where the message came from, so an operator can
mend the cause and put it back through the normal path (`<service> dlq redrive`). The
value, key and `content-type` stay as they arrived, so a dead letter is still a
structured-mode CloudEvent that any CloudEvents SDK reads (the `dlq-*` headers do not
start with `ce_`, so they do not make it look like binary mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker

from shared.contracts.wire import CONTENT_TYPE
from shared.tracing import TRACEPARENT


@dataclass(frozen=True)
class SourceInfo:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    content_type: str | None = None
    traceparent: str | None = None
    """The trace the message belongs to (`shared.tracing`), if its producer sent one."""

    @classmethod
    def of(cls, record: ConsumerRecord[bytes, bytes]) -> SourceInfo:
        headers = {name.lower(): value.decode(errors="replace") for name, value in record.headers}
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            headers.get(CONTENT_TYPE) or None,
            headers.get(TRACEPARENT) or None,
        )


class DeadLetters(Protocol):
    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None: ...


class KafkaDeadLetters:
    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        await self.broker.publish(raw, f"{source.topic}.dlq", key=source.key, headers=headers)


def dead_letter_headers(
    source: SourceInfo, *, consumer: str, kind: str, reason: str, attempts: int
) -> dict[str, str]:
    kept = {CONTENT_TYPE: source.content_type} if source.content_type else {}
    return kept | {
        "dlq-kind": kind,
        "dlq-reason": reason[:1000],
        "dlq-consumer": consumer,
        "dlq-attempts": str(attempts),
        "dlq-source-topic": source.topic,
        "dlq-source-partition": str(source.partition),
        "dlq-source-offset": str(source.offset),
        "dlq-failed-at": datetime.now(UTC).isoformat(),
    }
