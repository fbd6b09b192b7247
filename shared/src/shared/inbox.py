"""The idempotent inbox: a consumer records each event id it has applied.

The record is written in the same transaction as the handler's effects, so either both
happen or neither does, and a redelivered or replayed event changes nothing. The
consumer's durable count of what it took from its topic moves in that same transaction
(`shared.delivery_counts`).

An event dead-lettered on its content is recorded too, marked `dead_lettered`: it counts
as consumed (the consumer is done with it), yet when it is redriven after the cause was
mended it is applied, not skipped as a duplicate, and not counted a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, Table, TextClause, Update, bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.clock import Clock
from shared.contracts.base import CloudEvent
from shared.db.bulk import among, dialect_name, insert_rows
from shared.db.upsert import insert_for
from shared.delivery_counts import CONSUMED, DeliveryCounts


@cache
def _seen(t: Table, dialect: str) -> Select[Any]:
    """Which of a batch's ids the consumer has a record of; built once, for any batch."""
    ids = among(t.c.event_id, "event_ids", dialect)
    return select(t.c.event_id, t.c.dead_lettered).where(t.c.consumer == bindparam("for_consumer"), ids)


@cache
def _revive(t: Table, dialect: str) -> Update:
    ids = among(t.c.event_id, "event_ids", dialect)
    return update(t).where(t.c.consumer == bindparam("for_consumer"), ids).values(dead_lettered=False)


@cache
def _claim_in_one(inbox: Table, counts: Table | None) -> TextClause:
    """Which of a batch's ids the consumer has a record of; the others recorded and, if
    counts are kept, counted. A duplicate racing in from another transaction still fails
    on the primary key, as the separate insert did, and the batch comes again."""
    counted = (
        f""", counted AS (
            INSERT INTO {counts.name} (name, count)
            SELECT CAST(:count_name AS VARCHAR), count(*) FROM added HAVING count(*) > 0
            ON CONFLICT (name) DO UPDATE SET count = {counts.name}.count + excluded.count
        )"""
        if counts is not None
        else ""
    )
    return text(
        f"""WITH seen AS (
            SELECT event_id, dead_lettered FROM {inbox.name}
            WHERE consumer = CAST(:consumer AS VARCHAR) AND event_id = ANY(CAST(:event_ids AS VARCHAR[]))
        ), added AS (
            INSERT INTO {inbox.name} (consumer, event_id, event_type, processed_at)
            SELECT CAST(:consumer AS VARCHAR), given.event_id, given.event_type, CAST(:now AS TIMESTAMPTZ)
            FROM unnest(CAST(:event_ids AS VARCHAR[]), CAST(:event_types AS VARCHAR[]))
                AS given(event_id, event_type)
            WHERE given.event_id NOT IN (SELECT event_id FROM seen)
            RETURNING event_id
        ){counted}
        SELECT event_id, dead_lettered FROM seen"""
    )


class Inbox:
    def __init__(self, table: Table, clock: Clock, counts: DeliveryCounts | None = None) -> None:
        self.table = table
        self.clock = clock
        self.counts = counts

    async def claim(self, connection: AsyncConnection, consumer: str, event: CloudEvent[Any]) -> bool:
        """Record the event for `consumer`; False if it was already applied.

        Two deliveries racing past the check both try the insert; the primary key lets
        only one transaction commit, and the other's retry then sees the record.
        """
        return bool(await self.claim_many(connection, consumer, [event]))

    async def claim_many(
        self, connection: AsyncConnection, consumer: str, events: Sequence[CloudEvent[Any]]
    ) -> set[UUID]:
        """Record a batch in a few statements; returns the ids not applied before."""
        t = self.table
        dialect = dialect_name(connection)
        ids = {str(e.id): e for e in events}
        if dialect == "postgresql":
            seen = await self._seen_and_recorded(connection, consumer, ids)
        else:
            asked = {"for_consumer": consumer, "event_ids": list(ids)}
            found = await connection.execute(_seen(t, dialect), asked)
            seen = [(event_id, bool(dead)) for event_id, dead in found]
        revived = [event_id for event_id, dead_lettered in seen if dead_lettered]
        for event_id, dead_lettered in seen:
            if not dead_lettered:
                ids.pop(event_id, None)
        new = {event_id: event for event_id, event in ids.items() if event_id not in revived}
        if new and dialect != "postgresql":
            now = self.clock.now()
            await insert_rows(
                connection,
                t,
                [
                    {"consumer": consumer, "event_id": i, "event_type": e.type, "processed_at": now}
                    for i, e in new.items()
                ],
            )
            await self._count(connection, consumer, len(new))
        if revived:
            await connection.execute(_revive(t, dialect), {"for_consumer": consumer, "event_ids": revived})
        return {e.id for e in ids.values()}

    async def _seen_and_recorded(
        self, connection: AsyncConnection, consumer: str, ids: dict[str, CloudEvent[Any]]
    ) -> list[tuple[str, bool]]:
        """On PostgreSQL the look, the record of what was not seen and its count are one
        statement: three round trips were a third of a small batch's, and each waits its
        turn for the event loop behind the relay's work."""
        statement = _claim_in_one(self.table, self.counts.table if self.counts is not None else None)
        params = {
            "consumer": consumer,
            "event_ids": list(ids),
            "event_types": [e.type for e in ids.values()],
            "now": self.clock.now(),
            "count_name": f"{CONSUMED}{consumer}",
        }
        return [(event_id, bool(dead)) for event_id, dead in await connection.execute(statement, params)]

    async def record_dead_letter(
        self, connection: AsyncConnection, consumer: str, event: CloudEvent[Any]
    ) -> None:
        """The consumer is done with an event it could not apply: count it, but let a
        redrive of it through."""
        t = self.table
        values = {
            "consumer": consumer,
            "event_id": str(event.id),
            "event_type": event.type,
            "processed_at": self.clock.now(),
            "dead_lettered": True,
        }
        statement = insert_for(connection.dialect.name, t).values(**values).on_conflict_do_nothing()
        if (await connection.execute(statement)).rowcount:
            await self._count(connection, consumer, 1)

    async def unclaim(self, connection: AsyncConnection, consumer: str, event: CloudEvent[Any]) -> None:
        """Forget an event whose effect could not happen after all (a mail server that
        refused the connection), so that its redelivery is applied."""
        t = self.table
        await connection.execute(t.delete().where(t.c.consumer == consumer, t.c.event_id == str(event.id)))
        await self._count(connection, consumer, -1)

    async def _count(self, connection: AsyncConnection, consumer: str, n: int) -> None:
        if self.counts is not None:
            await self.counts.add(connection, {f"{CONSUMED}{consumer}": n})
