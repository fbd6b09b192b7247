"""Consuming one topic: validate, dedupe, handle, commit, and dead-letter what can't be.

The offset is committed only after the handler's transaction committed (FastStream's
NACK_ON_ERROR policy). A message that can never be processed — malformed, or failing
its handler on every attempt — is copied to `<topic>.dlq` with the reason and its source
offset in the headers, and the consumer moves on. Infrastructure failures (the database
is down) are not the message's fault: those are not dead-lettered but redelivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from sqlalchemy.exc import InterfaceError, OperationalError

from shared.contracts.base import CloudEvent, EventData, Topic
from shared.contracts.codec import MalformedMessage, UnknownEventType, decode_event
from shared.metrics import HANDLER_FAILURES, MESSAGES_CONSUMED
from shared.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent[EventData], Any], Awaitable[None]]
TRANSIENT = (OperationalError, InterfaceError, OSError, asyncio.TimeoutError)


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


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        topic: Topic,
        handlers: Mapping[str, Handler],
        unit_of_work: Callable[[], SqlUnitOfWork],
        dead_letters: DeadLetters,
        retry_delays: Sequence[float] = (0.2, 1.0),
    ) -> None:
        self.name = name
        self.topic = topic
        self.handlers = dict(handlers)
        self.unit_of_work = unit_of_work
        self.dead_letters = dead_letters
        self.retry_delays = tuple(retry_delays)
        self.consumed = 0

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1

    async def process(self, raw: bytes, source: SourceInfo) -> str:
        """Handle one message; returns the outcome recorded in the metrics."""
        outcome, event_type = await self._process(raw, source)
        MESSAGES_CONSUMED.labels(source.topic, event_type, outcome).inc()
        self.consumed += 1
        return outcome

    async def _process(self, raw: bytes, source: SourceInfo) -> tuple[str, str]:
        try:
            event = decode_event(raw)
        except UnknownEventType as unknown:
            return "ignored", str(unknown)
        except MalformedMessage as exc:
            await self._dead_letter(raw, source, "malformed", str(exc), attempts=1)
            return "dead_lettered", "malformed"
        handler = self.handlers.get(event.type)
        if handler is None:
            return "ignored", event.type
        return await self._handle(event, handler, raw, source), event.type

    async def _handle(
        self, event: CloudEvent[EventData], handler: Handler, raw: bytes, source: SourceInfo
    ) -> str:
        for attempt in range(1, self.max_attempts + 1):
            try:
                async with self.unit_of_work() as uow:
                    if not await uow.claim(self.name, event):
                        return "duplicate"
                    await handler(event, uow)
                    await uow.commit()
                return "processed"
            except Exception as exc:
                HANDLER_FAILURES.labels(source.topic, event.type).inc()
                last_attempt = attempt == self.max_attempts
                log.warning(
                    "handler failed",
                    extra={"event_id": str(event.id), "event_type": event.type, "attempt": attempt,
                           "error": f"{type(exc).__name__}: {exc}"},
                )
                if last_attempt and isinstance(exc, TRANSIENT):
                    raise  # not the message's fault: nack, and it is delivered again
                if last_attempt:
                    reason = f"{type(exc).__name__}: {exc}"
                    await self._dead_letter(raw, source, "handler_failed", reason, attempt)
                    return "dead_lettered"
                await asyncio.sleep(self.retry_delays[attempt - 1])
        raise AssertionError("unreachable")

    async def _dead_letter(self, raw: bytes, source: SourceInfo, kind: str, reason: str, attempts: int) -> None:
        log.error("message dead-lettered", extra={"topic": source.topic, "offset": source.offset, "reason": reason})
        await self.dead_letters.send(
            raw,
            source,
            {
                "dlq-kind": kind,
                "dlq-reason": reason[:1000],
                "dlq-consumer": self.name,
                "dlq-attempts": str(attempts),
                "dlq-source-topic": source.topic,
                "dlq-source-partition": str(source.partition),
                "dlq-source-offset": str(source.offset),
                "dlq-failed-at": datetime.now(UTC).isoformat(),
            },
        )

    def subscribe(self, broker: KafkaBroker, *, group_id: str, **kafka_options: Any) -> None:
        """Register on `broker`; offsets are committed only after `process` returned."""

        async def on_message(msg: KafkaMessage) -> None:
            record = msg.raw_message
            source = SourceInfo(record.topic, record.partition, record.offset, record.key)
            await self.process(msg.body, source)

        broker.subscriber(
            self.topic.value,
            group_id=group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            **kafka_options,
        )(on_message)
