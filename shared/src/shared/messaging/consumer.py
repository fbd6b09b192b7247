"""Consuming one topic: validate, dedupe, handle, commit, and dead-letter what can't be.

The offset is committed only after the handler's transaction committed (FastStream's
NACK_ON_ERROR policy). A message that can never be processed — malformed, or failing
its handler on every attempt — is copied to `<topic>.dlq` with the reason and its source
offset in the headers, and the consumer moves on. A failure that is not the message's
fault (`shared.failures.is_unavailable`: the database or broker is down, or another
process won a race) is never dead-lettered: the consumer waits, longer each time, and
the batch is delivered again from its first offset, however long the outage lasts.

Every well-formed event is recorded in the inbox, handled or not, so a redelivery of
any of them is known as one and what a consumer has taken from its topic can be
counted exactly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from faststream.kafka import KafkaBroker

from shared.backoff import Backoff
from shared.contracts.base import CloudEvent, EventData, Topic
from shared.contracts.codec import MalformedMessage, UnknownEventType, decode_event
from shared.failures import is_unavailable
from shared.messaging.dead_letters import DeadLetters, KafkaDeadLetters, SourceInfo, dead_letter_headers
from shared.messaging.subscription import subscribe_batches
from shared.metrics import CONSUMER_WAITS, HANDLER_FAILURES, HANDLER_LATENCY, MESSAGES_CONSUMED, event_types
from shared.tracing import handling_span
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent[Any], Any], Awaitable[None]]
Todo = tuple[int, CloudEvent[Any], Handler | None]

__all__ = ["DeadLetters", "EventConsumer", "Handler", "KafkaDeadLetters", "SourceInfo"]


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        topic: Topic,
        handlers: Mapping[type[EventData], Handler],
        unit_of_work: Callable[[], UnitOfWork],
        dead_letters: DeadLetters,
        retry_delays: Sequence[float] = (0.2, 1.0),
        max_batch: int = 200,
        backoff: Backoff | None = None,
        identify: Callable[[CloudEvent[Any]], UUID] | None = None,
    ) -> None:
        """`handlers` are keyed by the event's contract class (`MessageBus.event_handlers`
        gives them); an event of any other class is recorded and skipped. `identify` says
        what makes two events the same message for this consumer (by default their id):
        the notifier treats two requests for one notification as one."""
        self.name = name
        self.topic = topic
        self.handlers = dict(handlers)
        self.unit_of_work = unit_of_work
        self.dead_letters = dead_letters
        self.retry_delays = tuple(retry_delays)
        self.max_batch = max_batch
        self.backoff = backoff or Backoff()
        self.identify = identify
        self.consumed = 0
        self.listeners: list[Callable[[], None]] = []  # told after a batch changed something
        self._types = event_types("messages_consumed_total")  # logs each unknown type once
        self._latency: dict[str, Any] = {}  # HANDLER_LATENCY's child per type label

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1

    async def process(self, raw: bytes, source: SourceInfo) -> str:
        """Handle one message; returns its outcome."""
        return (await self.process_batch([(raw, source)]))[0]

    async def process_batch(self, messages: Sequence[tuple[bytes, SourceInfo]]) -> list[str]:
        """Handle messages in order; returns each one's outcome.

        If a dependency is unavailable, waits (backing off) and raises, so that the
        batch is not committed and comes again.
        """
        try:
            outcomes, types = await self._process(messages)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            await self._wait_for_dependencies(exc)
            raise
        self.backoff.reset()
        counted = Counter(
            (source.topic, event_type, outcome)
            for (_, source), outcome, event_type in zip(messages, outcomes, types, strict=True)
        )
        for labels, n in counted.items():  # once per kind: a batch holds a thousand of one
            MESSAGES_CONSUMED.labels(*labels).inc(n)
        self.consumed += len(messages)
        if "processed" in outcomes:
            for listener in self.listeners:
                listener()
        return outcomes

    async def _wait_for_dependencies(self, exc: BaseException) -> None:
        delay = self.backoff.next_delay()
        CONSUMER_WAITS.labels(self.name).inc()
        log.warning(
            "a dependency is unavailable; waiting, then the messages come again",
            extra={"consumer": self.name, "retry_in_s": delay, "error": f"{type(exc).__name__}: {exc}"},
        )
        await asyncio.sleep(delay)

    async def _process(self, messages: Sequence[tuple[bytes, SourceInfo]]) -> tuple[list[str], list[str]]:
        """The happy path applies the whole batch in one transaction, which is what makes
        a consumer fast on a database that commits a few thousand times a second. If
        something in it fails on its content, the batch is rolled back and replayed one
        message at a time, so only the message at fault is retried and dead-lettered."""
        outcomes: list[str | None] = [None] * len(messages)
        types: list[str] = [""] * len(messages)
        todo: list[Todo] = []
        for index, (raw, source) in enumerate(messages):
            decoded = await self._decode(raw, source)
            if decoded is None:
                outcomes[index], types[index] = "dead_lettered", "malformed"
                continue
            types[index] = self._types(decoded.type)
            todo.append((index, decoded, self.handlers.get(type(decoded.data))))
        if len(todo) == 1:
            index, event, handler = todo[0]
            outcomes[index] = await self._handle(event, handler, *messages[index])
        elif todo:
            try:
                outcomes_by_index = await self._apply_together(todo, messages)
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                log.warning("batch failed; replaying it one message at a time", exc_info=True)
                outcomes_by_index = {
                    index: await self._handle(event, handler, *messages[index])
                    for index, event, handler in todo
                }
            for index, outcome in outcomes_by_index.items():
                outcomes[index] = outcome
        return [outcome or "ignored" for outcome in outcomes], types

    async def _decode(self, raw: bytes, source: SourceInfo) -> CloudEvent[Any] | None:
        try:
            event = decode_event(raw)
            return event.model_copy(update={"id": self.identify(event)}) if self.identify else event
        except UnknownEventType as unknown:
            return unknown.envelope  # recorded and skipped; `_types` logs it once
        except MalformedMessage as exc:
            await self._dead_letter(raw, source, "malformed", str(exc), attempts=1)
            return None

    async def _apply_together(
        self, todo: list[Todo], messages: Sequence[tuple[bytes, SourceInfo]]
    ) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        async with self.unit_of_work() as uow:
            fresh = await uow.claim_many(self.name, [event for _, event, _ in todo])
            await uow.read_ahead([event for _, event, handler in todo if handler and event.id in fresh])
            for index, event, handler in todo:
                if event.id not in fresh:
                    outcomes[index] = "duplicate"
                    continue
                fresh.discard(event.id)  # a second copy in the same batch is a duplicate
                if handler is None:
                    outcomes[index] = "ignored"
                    continue
                await self._timed(handler, event, uow, messages[index][1])
                outcomes[index] = "processed"
            await uow.commit()
        return outcomes

    async def _handle(
        self, event: CloudEvent[Any], handler: Handler | None, raw: bytes, source: SourceInfo
    ) -> str:
        for attempt in range(1, self.max_attempts + 1):
            try:
                async with self.unit_of_work() as uow:
                    if not await uow.claim(self.name, event):
                        return "duplicate"
                    if handler is not None:
                        await self._timed(handler, event, uow, source)
                    await uow.commit()
                return "processed" if handler is not None else "ignored"
            except Exception as exc:
                if is_unavailable(exc):
                    raise  # not the message's fault: wait, and it is delivered again
                HANDLER_FAILURES.labels(source.topic, self._types.quiet(event.type)).inc()
                log.warning(
                    "handler failed",
                    extra={
                        "event_id": str(event.id),
                        "event_type": event.type[:100],
                        "attempt": attempt,
                        "error": f"{type(exc).__name__}: {exc}",
                    },
                )
                if attempt == self.max_attempts:
                    reason = f"{type(exc).__name__}: {exc}"
                    await self._dead_letter(raw, source, "handler_failed", reason, attempt)
                    async with self.unit_of_work() as uow:
                        await uow.record_dead_letter(self.name, event)
                        await uow.commit()
                    return "dead_lettered"
                await asyncio.sleep(self.retry_delays[attempt - 1])
        raise AssertionError("unreachable")

    async def _timed(
        self, handler: Handler, event: CloudEvent[Any], uow: UnitOfWork, source: SourceInfo
    ) -> None:
        """One span per handled event, a child of the span that wrote it: a batch holds
        events of many traces, so each continues its own (a redelivery adds a sibling)."""
        started = time.perf_counter()
        with handling_span(f"{self.name} {event.type}", source.traceparent, source.topic, str(event.id)):
            await handler(event, uow)
        elapsed = time.perf_counter() - started
        label = self._types.quiet(event.type)
        latency = self._latency.get(label)
        if latency is None:
            latency = self._latency[label] = HANDLER_LATENCY.labels(self.name, label)
        latency.observe(elapsed)

    async def _dead_letter(
        self, raw: bytes, source: SourceInfo, kind: str, reason: str, attempts: int
    ) -> None:
        log.error(
            "message dead-lettered", extra={"topic": source.topic, "offset": source.offset, "reason": reason}
        )
        headers = dead_letter_headers(source, consumer=self.name, kind=kind, reason=reason, attempts=attempts)
        await self.dead_letters.send(raw, source, headers)

    def subscribe(self, broker: KafkaBroker, *, group_id: str, **options: Any) -> None:
        """Register on `broker`; offsets are committed only after `process` returned."""
        process = lambda messages: self.process_batch(messages)  # noqa: E731 (looked up per batch)
        subscribe_batches(broker, self.topic.value, process, self.max_batch, group_id=group_id, **options)
