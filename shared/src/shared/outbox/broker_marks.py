"""Noticing that the broker lost what it had acknowledged.

The embedded broker keeps everything in memory, and any broker can be rebuilt empty: the
events it had acknowledged are then gone, though our outbox marked them published. So
the relay remembers, per partition, the last record the broker acknowledged to it (its
offset and event id, in the service's database). The broker has lost data when a new
acknowledgement comes back at a lower offset than the mark, or when the record at the
mark is missing or is another record (`KafkaMarkProbe` looks, every few seconds). Then
the relay republishes every event it still keeps; consumers skip what they had applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db.upsert import upsert


@dataclass(frozen=True)
class Placed:
    """Where the broker says it stored one event."""

    topic: str
    partition: int
    offset: int
    event_id: str


class MarkProbe(Protocol):
    async def still_there(self, mark: Placed) -> bool:
        """Whether the broker still holds this very record at this offset."""

    async def stop(self) -> None: ...


def newest_per_partition(placed: Iterable[Placed]) -> dict[tuple[str, int], Placed]:
    newest: dict[tuple[str, int], Placed] = {}
    for one in placed:
        key = (one.topic, one.partition)
        if key not in newest or one.offset > newest[key].offset:
            newest[key] = one
    return newest


class BrokerMarks:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def load(self, conn: AsyncConnection) -> dict[tuple[str, int], Placed]:
        rows = await conn.execute(select(self.table))
        return {(r.topic, r.partition): Placed(r.topic, r.partition, r.offset, r.event_id) for r in rows}

    async def save(self, conn: AsyncConnection, marks: Iterable[Placed]) -> None:
        for mark in marks:
            values = {
                "topic": mark.topic,
                "partition": mark.partition,
                "offset": mark.offset,
                "event_id": mark.event_id,
            }
            await upsert(conn, self.table, values, ["topic", "partition"])

    async def forget(self, conn: AsyncConnection) -> None:
        await conn.execute(delete(self.table))


def went_backwards(known: dict[tuple[str, int], Placed], placed: Iterable[Placed]) -> bool:
    """A new acknowledgement below the mark: the broker restarted and counts from 0 again."""
    return any(
        (mark := known.get((one.topic, one.partition))) is not None and one.offset < mark.offset
        for one in placed
    )
