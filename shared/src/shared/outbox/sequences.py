"""Numbering each subject's events, in the transaction that records them.

Kafka keeps one subject's events in order on its partition, but a replay, a republish or
a dead letter put back later arrives after newer events. So every event carries its
place among everything its producer said about the same subject (`EventData.sequence`),
and a consumer keeps a fact only if it is newer than the one it holds. The numbers come
from one counter row per subject, taken in the commit that stores the events: two
transactions about one subject take turns on its row, so the numbers follow the order
of the commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contracts.base import EventData
from shared.db.bulk import POSTGRES, arrays_of, dialect_name, rows_of
from shared.db.upsert import insert_for

_COLUMNS = ("subject", "last")


@cache
def _take(t: Table, dialect: str, from_arrays: bool) -> Any:
    """Add each subject's count to its counter (a new subject starts at it) and return the
    new last numbers: from one array per column on PostgreSQL (`shared.db.bulk`)."""
    statement = insert_for(dialect, t)
    if from_arrays:
        statement = statement.from_select(list(_COLUMNS), rows_of(t, _COLUMNS))
    return statement.on_conflict_do_update(
        index_elements=[t.c.subject], set_={"last": t.c.last + statement.excluded.last}
    ).returning(t.c.subject, t.c.last)


class EventSequences:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def number(self, connection: AsyncConnection, events: Sequence[EventData]) -> list[EventData]:
        """The events with their sequences, in order; one statement for the whole commit."""
        if not events:
            return []
        counts = Counter(event.subject() for event in events)
        subjects = sorted(counts)  # the same order everywhere, so two commits cannot deadlock
        dialect = dialect_name(connection)
        values = [{"subject": s, "last": counts[s]} for s in subjects]
        if dialect == POSTGRES:
            rows = await connection.execute(_take(self.table, dialect, True), arrays_of(values, _COLUMNS))
        else:
            rows = await connection.execute(_take(self.table, dialect, False), values)
        next_number = {row.subject: row.last - counts[row.subject] + 1 for row in rows}
        numbered = []
        for event in events:
            subject = event.subject()
            numbered.append(event.model_copy(update={"sequence": next_number[subject]}))
            next_number[subject] += 1
        return numbered
