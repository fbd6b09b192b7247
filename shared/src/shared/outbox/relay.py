"""The outbox relay: publishes stored events to Kafka, in order, at least once.

It publishes a batch, waits for the broker's acknowledgements, and only then marks the
rows published. A crash in between publishes them again; consumers dedupe on the event
id, so at-least-once here plus the idempotent inbox there is effectively once.
On PostgreSQL an advisory lock makes one replica the relay at a time, which keeps each
key's events in order.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.clock import Clock, SystemClock
from shared.db.engine import reading
from shared.metrics import MESSAGES_PUBLISHED, OUTBOX_PENDING
from shared.outbox.store import RETENTION_DEFAULT, Outbox, OutboxRow

log = logging.getLogger(__name__)

_RELAY_LOCK_ID = 0x0B0C5  # any constant; one relay per database


class BatchPublisher(Protocol):
    async def publish_batch(self, rows: list[OutboxRow]) -> None:
        """Publish every row, in order, and return once the broker acknowledged all."""


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
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.publisher = publisher
        self.clock = clock or SystemClock()  # wall-clock time: retention is real days
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.retention = retention
        self._wakeup = asyncio.Event()
        self.published_by_topic: dict[str, int] = {}

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
        async with self.engine.begin() as conn:
            if not await self._is_leader(conn):
                return 0
            rows = await self.outbox.next_batch(conn, self.batch_size)
            if not rows:
                return 0
            await self.publisher.publish_batch(rows)
            await self.outbox.mark_published(conn, [r.id for r in rows], self.clock.now())
        for row in rows:
            MESSAGES_PUBLISHED.labels(row.topic).inc()
            self.published_by_topic[row.topic] = self.published_by_topic.get(row.topic, 0) + 1
        return len(rows)

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

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; errors are logged and retried with backoff."""
        backoff = 0.5
        purge_every, since_purge = 600, 0
        while not stop.is_set():
            try:
                sent = await self.publish_once()
                backoff = 0.5
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"retry_in_s": backoff})
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent:
                continue
            since_purge += 1
            if since_purge >= purge_every:
                since_purge = 0
                await self.purge()
            self._wakeup.clear()
            waiter = asyncio.ensure_future(self._wakeup.wait())
            await _sleep_or_stop(stop, self.idle_poll_seconds, waiter)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float, *extra: asyncio.Future[Any]) -> None:
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([stopper, *extra], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in (stopper, *extra):
            future.cancel()
