"""Dead letters: a message that can never be processed is kept on `<topic>.dlq`, with why.

The headers say what went wrong and where the message came from, so an operator can
mend the cause and put it back through the normal path (`<service> dlq redrive`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from faststream.kafka import KafkaBroker


@dataclass(frozen=True)
class SourceInfo:
    topic: str
    partition: int
    offset: int
    key: bytes | None


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
    return {
        "dlq-kind": kind,
        "dlq-reason": reason[:1000],
        "dlq-consumer": consumer,
        "dlq-attempts": str(attempts),
        "dlq-source-topic": source.topic,
        "dlq-source-partition": str(source.partition),
        "dlq-source-offset": str(source.offset),
        "dlq-failed-at": datetime.now(UTC).isoformat(),
    }
