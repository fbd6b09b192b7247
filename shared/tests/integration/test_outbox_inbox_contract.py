"""The outbox and inbox behave the same on SQLite and PostgreSQL.

So do read-only transactions: the test clock's frequent looks must not queue for the
write lock. On SQLite every writing transaction takes the database's one write lock at
BEGIN; a renewal batch holds it for a while, and a look that took it too would wait
behind every batch (and fail after the busy timeout on a busy day).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import messaging
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.billing import CustomerCreated
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.delivery_counts import DeliveryCounts
from shared.inbox import Inbox
from shared.outbox import Outbox
from shared.outbox.relay import OutboxRelay
from shared.testing.databases import DatabaseFactory
from shared.testing.units_of_work import sql_unit_of_work
from shared.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def customer_event(n: int, at: datetime = T0) -> tuple:  # type: ignore[type-arg]
    data = CustomerCreated(
        customer_id=f"cus_{n}", email=f"c{n}@example.com", name=f"C {n}", timezone="UTC", created_at=at
    )
    return new_event(data, source="/billing", time=at), "billing.events"


@pytest.fixture
async def engine(each_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await each_database.new("outbox"))
    await upgrade(engine, "billing")
    yield engine
    await engine.dispose()


async def test_outbox_returns_rows_in_insertion_order_until_marked_published(engine: AsyncEngine) -> None:
    outbox = Outbox(messaging.outbox)
    async with engine.begin() as connection:
        await outbox.add(connection, [customer_event(n) for n in range(5)])
    async with engine.begin() as conn:
        batch = await outbox.next_batch(conn, limit=3)
        assert [r.key for r in batch] == ["cus_0", "cus_1", "cus_2"]
        await outbox.mark_published(conn, [r.id for r in batch], T0)
    async with engine.begin() as conn:
        rest = await outbox.next_batch(conn, limit=10)
        assert [r.key for r in rest] == ["cus_3", "cus_4"]
        assert await outbox.pending(conn) == 2


async def test_outbox_rows_vanish_with_a_rolled_back_transaction(engine: AsyncEngine) -> None:
    outbox = Outbox(messaging.outbox)
    async with engine.connect() as connection:
        await connection.begin()
        await outbox.add(connection, [customer_event(1)])
        await connection.rollback()
    async with engine.connect() as conn:
        assert await outbox.pending(conn) == 0


async def test_published_events_are_kept_for_the_retention_period_and_can_be_republished(
    engine: AsyncEngine,
) -> None:
    outbox = Outbox(messaging.outbox)
    async with engine.begin() as connection:
        await outbox.add(connection, [customer_event(1, T0), customer_event(2, T0 + timedelta(days=3))])
    async with engine.begin() as conn:
        rows = await outbox.next_batch(conn, 10)
        await outbox.mark_published(conn, [rows[0].id], T0)
        await outbox.mark_published(conn, [rows[1].id], T0 + timedelta(days=3))
    async with engine.begin() as conn:
        assert await outbox.republish_since(conn, T0 + timedelta(days=1)) == 1
        again = await outbox.next_batch(conn, 10)
        assert [r.key for r in again] == ["cus_2"]
        await outbox.mark_published(conn, [again[0].id], T0 + timedelta(days=3))
    async with engine.begin() as conn:
        assert await outbox.purge_published(conn, T0 + timedelta(days=1)) == 1
        assert await outbox.republish_since(conn, T0 - timedelta(days=30)) == 1


async def test_the_inbox_accepts_an_event_once_per_consumer(engine: AsyncEngine) -> None:
    inbox = Inbox(messaging.inbox, TestClock(T0))
    event, _ = customer_event(1)
    async with engine.begin() as connection:
        assert await inbox.claim(connection, "dunning", event) is True
    async with engine.begin() as connection:
        assert await inbox.claim(connection, "dunning", event) is False
        assert await inbox.claim(connection, "pause", event) is True


async def test_an_inbox_claim_rolled_back_with_its_handler_is_not_remembered(engine: AsyncEngine) -> None:
    inbox = Inbox(messaging.inbox, TestClock(T0))
    event, _ = customer_event(1)
    async with engine.connect() as connection:
        await connection.begin()
        assert await inbox.claim(connection, "dunning", event) is True
        await connection.rollback()
    async with engine.begin() as connection:
        assert await inbox.claim(connection, "dunning", event) is True


async def test_a_batch_claim_answers_only_the_events_not_applied_before(engine: AsyncEngine) -> None:
    inbox = Inbox(messaging.inbox, TestClock(T0))
    first, second, third = (customer_event(n)[0] for n in (1, 2, 3))
    async with engine.begin() as connection:
        assert await inbox.claim(connection, "dunning", first) is True
    async with engine.begin() as connection:
        fresh = await inbox.claim_many(connection, "dunning", [first, second, third])
    assert fresh == {second.id, third.id}
    async with engine.begin() as connection:
        assert await inbox.claim_many(connection, "dunning", [second, third]) == set()
        assert await inbox.claim_many(connection, "pause", [first, second]) == {first.id, second.id}


async def test_a_batch_claim_counts_each_new_event_once_and_lets_a_dead_letter_through_again(
    engine: AsyncEngine,
) -> None:
    counts = DeliveryCounts(messaging.counts)
    inbox = Inbox(messaging.inbox, TestClock(T0), counts)
    first, second, third, dead = (customer_event(n)[0] for n in (1, 2, 3, 4))
    async with engine.begin() as connection:
        await inbox.record_dead_letter(connection, "dunning", dead)
        assert await inbox.claim_many(connection, "dunning", [first, second]) == {first.id, second.id}
    async with engine.begin() as connection:
        fresh = await inbox.claim_many(connection, "dunning", [second, dead, third, third])
    assert fresh == {dead.id, third.id}, "a redriven dead letter is applied; a duplicate is not"
    async with engine.begin() as connection:
        assert await inbox.claim_many(connection, "dunning", [dead]) == set(), "revived once, then applied"
        assert await counts.read(connection) == {"consumed:dunning": 4}, "first, second, dead once, third"


class NoPublisher:
    async def publish_batch(self, rows: list[object]) -> None:
        raise AssertionError("nothing is published here")

    async def close(self) -> None:
        pass


def unit_of_work(engine: AsyncEngine) -> SqlUnitOfWork:
    return sql_unit_of_work(engine, messaging, T0)


async def test_a_read_only_look_answers_at_once_while_a_writer_holds_its_transaction(
    engine: AsyncEngine,
) -> None:
    outbox = Outbox(messaging.outbox)
    async with engine.begin() as connection:
        await outbox.add(connection, [customer_event(1)])
    relay = OutboxRelay(engine, outbox, NoPublisher(), TestClock(T0))  # type: ignore[arg-type]

    async with engine.begin() as writer:
        await outbox.add(
            writer, [customer_event(2), customer_event(3)]
        )  # uncommitted, holding the write lock

        async def look() -> tuple[int, int]:
            async with unit_of_work(engine).read_only() as work:
                counted = await outbox.pending(work.connection)
            return counted, await relay.pending()

        # A writing BEGIN would wait for the busy timeout (10 s) and then fail.
        assert await asyncio.wait_for(look(), timeout=5) == (1, 1)
    assert await relay.pending() == 3


async def test_a_read_only_unit_of_work_refuses_to_commit(engine: AsyncEngine) -> None:
    async with unit_of_work(engine).read_only() as work:
        with pytest.raises(RuntimeError, match="read-only"):
            await work.commit()


def created(n: int) -> CustomerCreated:
    return CustomerCreated(
        customer_id=f"cus_{n}", email=f"c{n}@example.com", name=f"C {n}", timezone="UTC", created_at=T0
    )


async def test_each_subjects_events_are_numbered_from_one_in_the_order_of_their_commits(
    engine: AsyncEngine,
) -> None:
    for batch in ([created(1), created(2), created(1)], [created(1)], [created(2), created(3)]):
        async with unit_of_work(engine) as work:
            for data in batch:
                work.emit(data)
            await work.commit()

    async with engine.connect() as conn:
        rows = (await conn.execute(messaging.outbox.select().order_by(messaging.outbox.c.id))).all()
    numbered = [(row.message_key, json.loads(row.payload)["data"]["sequence"]) for row in rows]
    assert numbered == [("cus_1", 1), ("cus_2", 1), ("cus_1", 2), ("cus_1", 3), ("cus_2", 2), ("cus_3", 1)]


async def test_two_commits_about_one_subject_at_once_get_distinct_numbers(engine: AsyncEngine) -> None:
    async def commit_one() -> None:
        async with unit_of_work(engine) as work:
            work.emit(created(7))
            await work.commit()

    await asyncio.gather(*(commit_one() for _ in range(5)))

    async with engine.connect() as conn:
        rows = (await conn.execute(messaging.outbox.select())).all()
    assert sorted(json.loads(row.payload)["data"]["sequence"] for row in rows) == [1, 2, 3, 4, 5]


class AcknowledgingPublisher:
    async def publish_batch(self, rows: list[Any]) -> list[Any]:
        return []

    async def close(self) -> None:
        pass


async def test_the_outbox_gauges_give_the_backlog_and_how_long_its_oldest_event_has_waited(
    engine: AsyncEngine,
) -> None:
    outbox = Outbox(messaging.outbox)
    async with engine.begin() as connection:
        await outbox.add(connection, [customer_event(1, T0), customer_event(2, T0 + timedelta(minutes=10))])
    relay = OutboxRelay(engine, outbox, AcknowledgingPublisher(), TestClock(T0), batch_size=1)

    def gauges() -> tuple[float | None, float | None]:
        return (
            REGISTRY.get_sample_value("outbox_pending_messages"),
            REGISTRY.get_sample_value("outbox_oldest_pending_age_seconds"),
        )

    await relay.measure_backlog(T0 + timedelta(hours=1))
    assert gauges() == (2, 3600)
    await relay.publish_once()
    await relay.measure_backlog(T0 + timedelta(hours=1))
    assert gauges() == (1, 3000)
    await relay.publish_once()
    await relay.measure_backlog(T0 + timedelta(hours=1))
    assert gauges() == (0, 0)


async def test_after_commit_effects_run_with_the_connection_given_back(engine: AsyncEngine) -> None:
    """A new subscription's first charge is sent after its commit and settled by writers of
    its own: they must not wait for the connection that committed, which on SQLite holds
    the writers' turn until it is back in the pool."""
    checked_out: list[int] = []
    events = [customer_event(n)[0] for n in (1, 2)]

    async def effect() -> None:
        checked_out.append(engine.pool.checkedout())  # type: ignore[attr-defined]
        async with unit_of_work(engine) as second:
            await second.claim("dunning", events[1])
            await second.commit()

    async with unit_of_work(engine) as first:
        await first.claim("dunning", events[0])
        first.after_commit(effect)
        await asyncio.wait_for(first.commit(), timeout=5)
    assert checked_out == [0], "the committed unit of work still held its connection"
    async with unit_of_work(engine) as look:  # left without a commit: rolled back
        assert await look.claim_many("dunning", events) == set(), "both units of work committed"


async def test_a_writer_takes_its_turn_with_its_first_statement(engine: AsyncEngine) -> None:
    """A unit of work entered and not writing yet holds up no other writer: on SQLite the
    writers of a process take turns, from the first statement of each."""
    event = customer_event(1)[0]

    async def write_beside_an_idle_one() -> None:
        async with unit_of_work(engine), unit_of_work(engine) as other:
            await other.claim("dunning", event)
            await other.commit()

    await asyncio.wait_for(write_beside_an_idle_one(), timeout=5)
