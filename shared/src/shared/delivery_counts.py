"""Durable counts of what a service published and consumed, per topic and per consumer.

The test clock calls the system quiet only once every consumer has consumed at least
what was published on its topics. Counted in memory, that broke on every restart; so
each count lives in the service's database and moves in the same transaction as what it
counts: `published:<topic>` when the relay marks events published for the first time,
`consumed:<consumer>` when a consumer's inbox records events it had not seen. Both count
distinct events, so a republish, a redelivery or a duplicate never counts twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db.upsert import add_to

PUBLISHED = "published:"
CONSUMED = "consumed:"


class DeliveryCounts:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def add(self, db: AsyncConnection, counts: Mapping[str, int]) -> None:
        """Add to the named counts, inside the caller's transaction, in one round trip."""
        # one order everywhere: two transactions cannot deadlock
        rows = [{"name": name, "count": counts[name]} for name in sorted(counts) if counts[name]]
        await add_to(db, self.table, rows, "name", "count")

    async def read(self, db: AsyncConnection) -> dict[str, int]:
        rows = await db.execute(select(self.table.c.name, self.table.c.count))
        return {name: int(count) for name, count in rows}


def published_by_topic(counts: Mapping[str, int]) -> dict[str, int]:
    return {name.removeprefix(PUBLISHED): n for name, n in counts.items() if name.startswith(PUBLISHED)}


def consumed_by(counts: Mapping[str, int], consumer: str) -> int:
    return counts.get(f"{CONSUMED}{consumer}", 0)
