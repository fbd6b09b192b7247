"""Writing to and reading from the outbox table.

`Outbox.add` runs inside the caller's transaction: the event exists if and only if the
state change committed. The relay reads rows in insertion order, which is also each
key's order, and marks them published; the first time a row is published, it counts
for its topic (`shared.delivery_counts`), in the same transaction. `published_at` is
wall-clock time, so retention is counted in real days even under the test clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, Table, Update, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contracts.base import CloudEvent
from shared.contracts.codec import encode_event
from shared.db.bulk import among, dialect_name, insert_rows
from shared.delivery_counts import PUBLISHED, DeliveryCounts
from shared.tracing import current_traceparent


@dataclass(frozen=True)
class OutboxRow:
    id: int
    event_id: str
    topic: str
    key: str | None
    event_type: str
    payload: bytes
    traceparent: str | None = None
    """The span that wrote the event, so its consumers continue that trace."""


@cache
def _first_publications(t: Table, dialect: str) -> Select[Any]:
    ids = among(t.c.id, "ids", dialect)
    return select(t.c.topic, func.count()).where(ids, t.c.first_published_at.is_(None)).group_by(t.c.topic)


@cache
def _published(t: Table, dialect: str) -> Update:
    at = bindparam("at", type_=t.c.published_at.type)
    return (
        update(t)
        .where(among(t.c.id, "ids", dialect))
        .values(published_at=at, first_published_at=func.coalesce(t.c.first_published_at, at))
    )


class Outbox:
    def __init__(self, table: Table, counts: DeliveryCounts | None = None) -> None:
        self.table = table
        self.counts = counts

    def row_for(self, event: CloudEvent[Any], topic: str, traceparent: str | None = None) -> dict[str, Any]:
        return {
            "event_id": str(event.id),
            "topic": topic,
            "message_key": event.key,
            "event_type": event.type,
            "payload": encode_event(event).decode(),
            "created_at": event.time,
            "traceparent": traceparent or current_traceparent(),
        }

    async def add(
        self,
        connection: AsyncConnection,
        events: list[tuple[CloudEvent[Any], str]],
        traces: Mapping[UUID, str] | None = None,
    ) -> None:
        """Store events (with their topics) in the connection's open transaction; each with
        the `traceparent` of `traces`, or else of the span that is current."""
        if events:
            rows = [self.row_for(e, t, (traces or {}).get(e.id)) for e, t in events]
            await insert_rows(connection, self.table, rows)  # in order: ids are publication order

    async def next_batch(self, conn: AsyncConnection, limit: int) -> list[OutboxRow]:
        t = self.table
        result = await conn.execute(
            select(
                t.c.id, t.c.event_id, t.c.topic, t.c.message_key, t.c.event_type, t.c.payload, t.c.traceparent
            )
            .where(t.c.published_at.is_(None))
            .order_by(t.c.id)
            .limit(limit)
        )
        return [
            OutboxRow(
                r.id, r.event_id, r.topic, r.message_key, r.event_type, r.payload.encode(), r.traceparent
            )
            for r in result
        ]

    async def mark_published(self, conn: AsyncConnection, ids: list[int], at: datetime) -> None:
        t, dialect = self.table, dialect_name(conn)
        if self.counts is not None:
            first_time = await conn.execute(_first_publications(t, dialect), {"ids": ids})
            await self.counts.add(conn, {f"{PUBLISHED}{topic}": int(n) for topic, n in first_time})
        await conn.execute(_published(t, dialect), {"ids": ids, "at": at})

    async def pending(self, conn: AsyncConnection) -> int:
        t = self.table
        result = await conn.execute(select(func.count()).where(t.c.published_at.is_(None)))
        return int(result.scalar_one())

    async def oldest_pending_at(self, conn: AsyncConnection) -> datetime | None:
        """The event time of the first row still to publish (rows go out in id order)."""
        t = self.table
        result = await conn.execute(
            select(t.c.created_at).where(t.c.published_at.is_(None)).order_by(t.c.id).limit(1)
        )
        found: datetime | None = result.scalar_one_or_none()
        return found

    async def purge_published(self, conn: AsyncConnection, older_than: datetime) -> int:
        t = self.table
        result = await conn.execute(delete(t).where(t.c.published_at < older_than))
        return int(result.rowcount or 0)

    async def republish_published_since_publication(self, conn: AsyncConnection, since: datetime) -> int:
        """Queue again every event published since `since` (wall-clock time): the broker
        lost them. They keep their first publication, so they are not counted twice."""
        t = self.table
        result = await conn.execute(update(t).where(t.c.published_at >= since).values(published_at=None))
        return int(result.rowcount or 0)

    async def republish_since(self, conn: AsyncConnection, since: datetime) -> int:
        """Queue already-published events again, e.g. for a consumer that lost its data."""
        t = self.table
        result = await conn.execute(
            update(t).where(t.c.published_at.is_not(None), t.c.created_at >= since).values(published_at=None)
        )
        return int(result.rowcount or 0)


RETENTION_DEFAULT = timedelta(days=7)
