"""The idempotent inbox: a consumer records each event id it has applied.

The record is written in the same transaction as the handler's effects, so either both
happen or neither does, and a redelivered or replayed event changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.contracts.base import CloudEvent


class Inbox:
    def __init__(self, table: Table, clock: Clock) -> None:
        self.table = table
        self.clock = clock

    async def claim(self, session: AsyncSession, consumer: str, event: CloudEvent[Any]) -> bool:
        """Record the event for `consumer`; False if it was already applied.

        Two deliveries racing past the check both try the insert; the primary key lets
        only one transaction commit, and the other's retry then sees the record.
        """
        t = self.table
        seen = await session.execute(
            select(t.c.event_id).where(t.c.consumer == consumer, t.c.event_id == str(event.id))
        )
        if seen.first() is not None:
            return False
        await session.execute(
            insert(t).values(
                consumer=consumer,
                event_id=str(event.id),
                event_type=event.type,
                processed_at=self.clock.now(),
            )
        )
        return True

    async def claim_many(
        self, session: AsyncSession, consumer: str, events: Sequence[CloudEvent[Any]]
    ) -> set[UUID]:
        """Record a batch in two statements; returns the ids not applied before."""
        t = self.table
        ids = {str(e.id): e for e in events}
        seen = await session.execute(
            select(t.c.event_id).where(t.c.consumer == consumer, t.c.event_id.in_(list(ids)))
        )
        for (event_id,) in seen:
            ids.pop(event_id, None)
        if ids:
            now = self.clock.now()
            await session.execute(
                insert(t),
                [
                    {"consumer": consumer, "event_id": i, "event_type": e.type, "processed_at": now}
                    for i, e in ids.items()
                ],
            )
        return {e.id for e in ids.values()}
