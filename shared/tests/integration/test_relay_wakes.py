"""The relay publishes what a commit wrote at once, and does not look again for nothing.

Its idle poll is an hour here: an event that went out did so because a wake or a full
batch asked for it, never because the poll came round.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import messaging
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.billing import CustomerCreated
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.outbox import Outbox
from shared.outbox.relay import OutboxRelay
from shared.outbox.store import OutboxRow
from shared.testing.databases import DatabaseFactory

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = 3600.0


async def migrated(databases: DatabaseFactory) -> AsyncEngine:
    engine = create_engine(await databases.new("relay"))
    await upgrade(engine, "billing")
    return engine


@pytest.fixture
async def engine(each_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    engine = await migrated(each_database)
    yield engine
    await engine.dispose()


@pytest.fixture
async def postgres_engine(postgres_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    """Another transaction commits while the relay's is open: on SQLite writers take turns."""
    engine = await migrated(postgres_database)
    yield engine
    await engine.dispose()


async def commit_customers(engine: AsyncEngine, outbox: Outbox, *numbers: int) -> None:
    events = []
    for n in numbers:
        data = CustomerCreated(
            customer_id=f"cus_{n}", email=f"c{n}@example.com", name=f"C {n}", timezone="UTC", created_at=T0
        )
        events.append((new_event(data, source="/billing", time=T0), "billing.events"))
    async with engine.begin() as connection:
        await outbox.add(connection, events)


class Recorder:
    """A broker that acknowledges everything; `during_first` runs inside the first batch."""

    def __init__(self, during_first: Callable[[], Awaitable[None]] | None = None) -> None:
        self.keys: list[str] = []
        self.during_first = during_first
        self._changed = asyncio.Event()

    async def publish_batch(self, rows: list[OutboxRow]) -> list[Any]:
        if self.during_first is not None:
            during, self.during_first = self.during_first, None
            await during()
        self.keys.extend(row.key or "" for row in rows)
        self._changed.set()
        return []

    async def close(self) -> None:
        pass

    async def until(self, count: int) -> None:
        while len(self.keys) < count:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), timeout=10)


class CountingRelay(OutboxRelay):
    passes: list[int]

    async def publish_once(self) -> int:
        sent = await super().publish_once()
        self.passes.append(sent)
        return sent


async def running(relay: OutboxRelay, until: Awaitable[None]) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await until
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def test_a_commit_during_a_pass_goes_out_at_once_not_at_the_next_poll(
    postgres_engine: AsyncEngine,
) -> None:
    engine = postgres_engine
    outbox = Outbox(messaging.outbox)
    await commit_customers(engine, outbox, 1)
    relay: OutboxRelay

    async def another_commit() -> None:
        await commit_customers(engine, outbox, 2)
        relay.wake()  # what the unit of work does after its commit

    publisher = Recorder(during_first=another_commit)
    relay = OutboxRelay(engine, outbox, publisher, TestClock(T0), idle_poll_seconds=HOUR)
    await running(relay, publisher.until(2))
    assert publisher.keys == ["cus_1", "cus_2"]


async def test_a_batch_that_was_not_full_is_not_followed_by_a_look_for_nothing(engine: AsyncEngine) -> None:
    outbox = Outbox(messaging.outbox)
    await commit_customers(engine, outbox, 1, 2, 3)
    publisher = Recorder()
    relay = CountingRelay(engine, outbox, publisher, TestClock(T0), batch_size=2, idle_poll_seconds=HOUR)
    relay.passes = []

    async def published_then_a_pause() -> None:
        await publisher.until(3)
        await asyncio.sleep(0.3)  # an empty pass would come at once; none may come at all

    await running(relay, published_then_a_pause())
    assert relay.passes == [2, 1], "a full batch, then the rest, then a wait for the next commit"
