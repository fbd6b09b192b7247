"""Statements over many rows (`shared.db.bulk`) give the usual statements' results on
both databases: arrays on PostgreSQL, expanding `IN` and executemany on SQLite.

And a unit of work lets go of what it tracked as soon as it is left: its repositories
hold a tracker, not the unit of work, so no reference cycle keeps a batch's aggregates
alive until the garbage collector's next full pass.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import messaging
from shared.contracts.base import EventData
from shared.db import create_engine
from shared.db.bulk import among, dialect_name, insert_rows
from shared.db.migrations import upgrade
from shared.testing.databases import DatabaseFactory
from shared.testing.units_of_work import sql_unit_of_work

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
outbox = messaging.outbox


def row(n: int, **extra: object) -> dict[str, object]:
    return {
        "event_id": f"evt_{n:04d}",
        "topic": "billing.events",
        "message_key": f"cus_{n % 7}" if n % 3 else None,
        "event_type": "customer.created",
        "payload": "{}",
        "created_at": T0,
        **extra,
    }


@pytest.fixture
async def engine(each_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await each_database.new("bulk"))
    await upgrade(engine, "billing")
    yield engine
    await engine.dispose()


async def test_rows_are_inserted_in_the_order_given_and_found_among_a_list(engine: AsyncEngine) -> None:
    rows = [row(n) for n in reversed(range(500))]
    async with engine.begin() as conn:
        await insert_rows(conn, outbox, rows)
        await insert_rows(conn, outbox, [row(1000)])  # one row: the usual statement
        await insert_rows(conn, outbox, [])
        stored = await conn.execute(select(outbox.c.event_id, outbox.c.message_key).order_by(outbox.c.id))
        assert [tuple(r) for r in stored] == [(r["event_id"], r["message_key"]) for r in [*rows, row(1000)]]

        query = select(outbox.c.event_id).where(among(outbox.c.event_id, "ids", dialect_name(conn)))
        wanted = ["evt_0003", "evt_0499", "evt_1000", "evt_9999", "evt_0003"]
        found = await conn.execute(query, {"ids": wanted})
        assert sorted(found.scalars()) == ["evt_0003", "evt_0499", "evt_1000"]
        assert list((await conn.execute(query, {"ids": []})).scalars()) == []


async def test_rows_naming_different_columns_are_inserted_all_the_same(engine: AsyncEngine) -> None:
    rows = [row(1), row(2, traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"), row(3)]
    async with engine.begin() as conn:
        await insert_rows(conn, outbox, rows)
        stored = await conn.execute(select(outbox.c.event_id, outbox.c.traceparent).order_by(outbox.c.id))
        assert [r.traceparent for r in stored] == [None, rows[1]["traceparent"], None]


class Aggregate:
    def __init__(self) -> None:
        self.events: list[EventData] = []


async def test_a_unit_of_work_lets_go_of_its_aggregates_without_the_garbage_collector(
    engine: AsyncEngine,
) -> None:
    work = sql_unit_of_work(engine, messaging, T0)
    aggregate = Aggregate()
    gone = weakref.ref(aggregate)
    gc.disable()
    try:
        async with work:
            track = work.track  # what a repository is handed
            track(aggregate)
            await work.commit()
        del work, track, aggregate
        assert gone() is None, "only reference counting ran, and it freed the aggregate"
    finally:
        gc.enable()
