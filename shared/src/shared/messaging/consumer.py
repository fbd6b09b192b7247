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

from aiokafka import ConsumerRecord
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
        max_batch: int = 200,
    ) -> None:
        self.name = name
        self.topic = topic
        self.handlers = dict(handlers)
        self.unit_of_work = unit_of_work
        self.dead_letters = dead_letters
        self.retry_delays = tuple(retry_delays)
        self.max_batch = max_batch
        self.consumed = 0
        self.listeners: list[Callable[[], None]] = []  # told after a batch changed something

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1

    async def process(self, raw: bytes, source: SourceInfo) -> str:
        """Handle one message; returns its outcome."""
        return (await self.process_batch([(raw, source)]))[0]

    async def process_batch(self, messages: Sequence[tuple[bytes, SourceInfo]]) -> list[str]:
        """Handle messages in order; returns each one's outcome.

        The happy path applies the whole batch in one transaction, which is what makes a
        consumer fast on a database that commits a few thousand times a second. If
        anything in it fails, the batch is rolled back and replayed one message at a
        time, so only the message at fault is retried and dead-lettered.
        """
        outcomes: list[str | None] = [None] * len(messages)
        types: list[str] = [""] * len(messages)
        todo: list[tuple[int, CloudEvent[EventData], Handler]] = []
        for index, (raw, source) in enumerate(messages):
            try:
                event = decode_event(raw)
            except UnknownEventType as unknown:
                outcomes[index], types[index] = "ignored", str(unknown)
                continue
            except MalformedMessage as exc:
                await self._dead_letter(raw, source, "malformed", str(exc), attempts=1)
                outcomes[index], types[index] = "dead_lettered", "malformed"
                continue
            types[index] = event.type
            handler = self.handlers.get(event.type)
            if handler is None:
                outcomes[index] = "ignored"
            else:
                todo.append((index, event, handler))
        if len(todo) == 1:
            index, event, handler = todo[0]
            outcomes[index] = await self._handle(event, handler, *messages[index])
        elif todo:
            try:
                applied = await self._apply_together(todo)
                for index, _, _ in todo:
                    outcomes[index] = applied[index]
            except Exception:
                log.warning("batch failed; replaying it one message at a time", exc_info=True)
                for index, event, handler in todo:
                    raw, source = messages[index]
                    outcomes[index] = await self._handle(event, handler, raw, source)
        results = []
        for (_, source), outcome, event_type in zip(messages, outcomes, types, strict=True):
            assert outcome is not None
            MESSAGES_CONSUMED.labels(source.topic, event_type, outcome).inc()
            results.append(outcome)
        self.consumed += len(messages)
        if "processed" in results:
            for listener in self.listeners:
                listener()
        return results

    async def _apply_together(self, todo: list[tuple[int, CloudEvent[EventData], Handler]]) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        async with self.unit_of_work() as uow:
            fresh = await uow.claim_many(self.name, [event for _, event, _ in todo])
            for index, event, handler in todo:
                if event.id in fresh:
                    fresh.discard(event.id)  # a second copy in the same batch is a duplicate
                    await handler(event, uow)
                    outcomes[index] = "processed"
                else:
                    outcomes[index] = "duplicate"
            await uow.commit()
        return outcomes

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
                    extra={
                        "event_id": str(event.id),
                        "event_type": event.type,
                        "attempt": attempt,
                        "error": f"{type(exc).__name__}: {exc}",
                    },
                )
                if last_attempt and isinstance(exc, TRANSIENT):
                    raise  # not the message's fault: nack, and it is delivered again
                if last_attempt:
                    reason = f"{type(exc).__name__}: {exc}"
                    await self._dead_letter(raw, source, "handler_failed", reason, attempt)
                    return "dead_lettered"
                await asyncio.sleep(self.retry_delays[attempt - 1])
        raise AssertionError("unreachable")

    async def _dead_letter(
        self, raw: bytes, source: SourceInfo, kind: str, reason: str, attempts: int
    ) -> None:
        log.error(
            "message dead-lettered", extra={"topic": source.topic, "offset": source.offset, "reason": reason}
        )
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

        async def on_batch(msg: KafkaMessage) -> None:
            records: tuple[ConsumerRecord[bytes, bytes], ...] = msg.raw_message
            await self.process_batch(
                [(r.value or b"", SourceInfo(r.topic, r.partition, r.offset, r.key)) for r in records]
            )

        broker.subscriber(
            self.topic.value,
            group_id=group_id,
            batch=True,
            max_records=self.max_batch,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            **kafka_options,
        )(on_batch)
