"""The outbox relay: publishes stored events to Kafka, in order, at least once.

It publishes a batch, waits for the broker's acknowledgements, and only then marks the
rows published. A crash in between publishes them again; consumers dedupe on the event
id, so at-least-once here plus the idempotent inbox there is effectively once. If the
broker loses what it acknowledged (`broker_marks`), the relay notices and republishes
every event it keeps, on its own.
On PostgreSQL an advisory lock makes one replica the relay at a time, which keeps each
key's events in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.clock import Clock, SystemClock
from shared.db.engine import reading
from shared.metrics import BROKER_LOSSES, MESSAGES_PUBLISHED, OUTBOX_OLDEST_AGE, OUTBOX_PENDING
from shared.outbox.broker_marks import BrokerMarks, MarkProbe, Placed, newest_per_partition, went_backwards
from shared.outbox.store import RETENTION_DEFAULT, Outbox, OutboxRow

log = logging.getLogger(__name__)

_RELAY_LOCK_ID = 0x0B0C5  # any constant; one relay per database


class BatchPublisher(Protocol):
    async def publish_batch(self, rows: list[OutboxRow]) -> list[Placed]:
        """Publish every row, in order, and return once the broker acknowledged all,
        with where it placed each."""

    async def close(self) -> None:
        """Let go of the broker connection, once the relay is done."""


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        outbox: Outbox,
        publisher: BatchPublisher,
        clock: Clock | None = None,
        *,
        batch_size: int = 1000,
        idle_poll_seconds: float = 0.2,
        retention: timedelta = RETENTION_DEFAULT,
        marks: BrokerMarks | None = None,
        probe: MarkProbe | None = None,
        recreate_topics: Callable[[], Awaitable[object]] | None = None,
        probe_every: float = 5.0,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.publisher = publisher
        self.clock = clock or SystemClock()  # wall-clock time: retention is real days
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.retention = retention
        self._wakeup = asyncio.Event()
        self.marks, self.probe, self.recreate_topics = marks, probe, recreate_topics
        self.probe_every = probe_every
        self._known: dict[tuple[str, int], Placed] | None = None
        self._suspect: Placed | None = None  # a mark found missing once; missing twice is a loss
        self.healing = False
        """True while republishing what the broker lost; readiness and the test clock wait."""

    def wake(self) -> None:
        """Called after a commit that added events, so they go out without polling delay."""
        self._wakeup.set()

    async def _is_leader(self, conn: AsyncConnection) -> bool:
        if conn.dialect.name != "postgresql":
            return True
        result = await conn.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _RELAY_LOCK_ID})
        return bool(result.scalar_one())

    async def publish_once(self) -> int:
        """Publish one batch; returns how many rows went out."""
        lost = False
        async with self.engine.begin() as conn:
            if not await self._is_leader(conn):
                return 0
            rows = await self.outbox.next_batch(conn, self.batch_size)
            if not rows:
                if self.healing:
                    self.healing = False
                    log.warning("the outbox is republished after the broker lost data")
                return 0
            placed = await self.publisher.publish_batch(rows)
            await self.outbox.mark_published(conn, [r.id for r in rows], self.clock.now())
            if self.marks is not None:
                known = await self._marks(conn)
                lost = went_backwards(known, placed)
                newest = newest_per_partition(placed)
                await self.marks.save(conn, newest.values())
                known.update(newest)
        for row in rows:
            MESSAGES_PUBLISHED.labels(row.topic).inc()
        if lost:
            await self.heal("the broker acknowledged events at offsets it had already used")
        return len(rows)

    async def _marks(self, conn: AsyncConnection) -> dict[tuple[str, int], Placed]:
        if self._known is None:
            assert self.marks is not None
            self._known = await self.marks.load(conn)
        return self._known

    async def close(self) -> None:
        if self.probe is not None:
            await self.probe.stop()
        await self.publisher.close()

    async def check_broker(self) -> bool:
        """Whether the broker still holds what it acknowledged; heals if not. A mark must be
        found missing on two looks in a row: the broker's metadata can lag for a moment."""
        if self.marks is None or self.probe is None:
            return True
        async with reading(self.engine) as conn:
            known = dict(await self.marks.load(conn))
        for mark in known.values():
            if await self.probe.still_there(mark):
                continue
            if self._suspect != mark:  # a metadata hiccup clears by the next look; a loss does not
                self._suspect = mark
                return True
            self._suspect = None
            await self.heal(f"{mark.topic}[{mark.partition}] no longer holds offset {mark.offset}")
            return False
        self._suspect = None
        return True

    async def heal(self, why: str) -> None:
        """The broker lost events it had acknowledged: recreate the topics and queue again
        every event still kept, in order. Consumers skip what they had applied."""
        self.healing = True
        BROKER_LOSSES.inc()
        log.error("the broker lost acknowledged events; republishing from the outbox", extra={"reason": why})
        if self.recreate_topics is not None:
            await self.recreate_topics()
        async with self.engine.begin() as conn:
            count = await self.outbox.republish_published_since_publication(
                conn, self.clock.now() - self.retention
            )
            if self.marks is not None:
                await self.marks.forget(conn)
        self._known = {}
        log.warning("events queued again after the broker's loss", extra={"count": count})
        self.wake()

    async def drain(self) -> int:
        """Publish until nothing is pending; used by tests and at shutdown."""
        total = 0
        while count := await self.publish_once():
            total += count
        return total

    async def purge(self) -> int:
        async with self.engine.begin() as conn:
            return await self.outbox.purge_published(conn, self.clock.now() - self.retention)

    async def pending(self) -> int:
        async with reading(self.engine) as conn:
            count = await self.outbox.pending(conn)
        OUTBOX_PENDING.set(count)
        return count

    async def measure_backlog(self, now: datetime) -> None:
        """Set the outbox gauges. `now` is the services' clock, the one event times come
        from: the age is how long the oldest waiting event has waited."""
        async with reading(self.engine) as conn:
            count = await self.outbox.pending(conn)
            oldest = await self.outbox.oldest_pending_at(conn)
        OUTBOX_PENDING.set(count)
        OUTBOX_OLDEST_AGE.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; errors are logged and retried with backoff. While
        idle, look every few seconds whether the broker still holds what it acknowledged."""
        backoff = 0.5
        purge_every, since_purge = 600, 0
        loop = asyncio.get_running_loop()
        next_probe = loop.time()
        while not stop.is_set():
            # Cleared before the pass: a commit during it wakes the next one at once. A
            # full batch means more may wait; any other pass saw every commit before it,
            # so the relay waits for the next wake rather than looking again for nothing
            # (an empty pass after each batch was half of its round trips to the database).
            self._wakeup.clear()
            try:
                sent = await self.publish_once()
                if not sent and loop.time() >= next_probe:
                    next_probe = loop.time() + self.probe_every
                    await self.check_broker()
                backoff = 0.5
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"retry_in_s": backoff})
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent >= self.batch_size:
                continue
            if not sent:
                since_purge += 1
            if since_purge >= purge_every:
                since_purge = 0
                await self.purge()
            waiter = asyncio.ensure_future(self._wakeup.wait())
            await _sleep_or_stop(stop, self.idle_poll_seconds, waiter)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float, *extra: asyncio.Future[Any]) -> None:
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([stopper, *extra], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in (stopper, *extra):
            future.cancel()
