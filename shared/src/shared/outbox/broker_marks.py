"""Noticing that the broker lost what it had acknowledged.

The embedded broker keeps everything in memory, and any broker can be rebuilt empty: the
events it had acknowledged are then gone, though our outbox marked them published. So
the relay remembers, per partition, the last record the broker acknowledged to it (its
offset, event id and its publish batch's first offset, in the service's database). The
broker has lost data when a new acknowledgement comes back at a lower offset than the
mark, when another record sits at the mark's offset, or when the partition ends before
the mark's batch began (`KafkaMarkProbe` looks, every few seconds). Then the relay
republishes every event it still keeps; consumers skip what they had applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db.upsert import upsert_many


@dataclass(frozen=True)
class Placed:
    """Where the broker says it stored one event (as a mark: the newest of a publish
    batch on its partition, with the batch's first offset there)."""

    topic: str
    partition: int
    offset: int
    event_id: str
    batch_base: int = -1


class MarkProbe(Protocol):
    async def still_there(self, mark: Placed) -> bool:
        """Whether the broker still holds this very record at this offset."""

    async def stop(self) -> None: ...


def newest_per_partition(placed: Iterable[Placed]) -> dict[tuple[str, int], Placed]:
    """Per partition, the batch's newest record, marked with the batch's first offset."""
    newest: dict[tuple[str, int], Placed] = {}
    first: dict[tuple[str, int], int] = {}
    for one in placed:
        key = (one.topic, one.partition)
        first[key] = min(first.get(key, one.offset), one.offset)
        if key not in newest or one.offset > newest[key].offset:
            newest[key] = one
    return {key: Placed(m.topic, m.partition, m.offset, m.event_id, first[key]) for key, m in newest.items()}


class BrokerMarks:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def load(self, conn: AsyncConnection) -> dict[tuple[str, int], Placed]:
        rows = await conn.execute(select(self.table))
        return {
            (r.topic, r.partition): Placed(r.topic, r.partition, r.offset, r.event_id, r.batch_base)
            for r in rows
        }

    async def save(self, conn: AsyncConnection, marks: Iterable[Placed]) -> None:
        rows = [
            {
                "topic": mark.topic,
                "partition": mark.partition,
                "offset": mark.offset,
                "event_id": mark.event_id,
                "batch_base": mark.batch_base,
            }
            for mark in marks
        ]
        await upsert_many(conn, self.table, rows, ["topic", "partition"])  # one round trip

    async def forget(self, conn: AsyncConnection) -> None:
        await conn.execute(delete(self.table))


def went_backwards(known: dict[tuple[str, int], Placed], placed: Iterable[Placed]) -> bool:
    """A new acknowledgement below the mark: the broker restarted and counts from 0 again."""
    return any(
        (mark := known.get((one.topic, one.partition))) is not None and one.offset < mark.offset
        for one in placed
    )
