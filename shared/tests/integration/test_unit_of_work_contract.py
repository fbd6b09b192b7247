"""One contract for every unit of work: the database one and the in-memory fake.

A use-case test on the fake is worth something only if the fake keeps the promises the
real one keeps. So the same tests run against both, as one suite subclassed per
backend: what is not committed is not published and not claimed, events are numbered
per subject in commit order, a claim holds once committed (a dead letter may come
again), an effect after the commit runs only after it, and a read-only look refuses
to commit (and, on the databases, to write).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import messaging
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import CloudEvent
from shared.contracts.billing import CustomerCreated
from shared.contracts.codec import decode_event
from shared.db import create_engine
from shared.db.engine import WriteWhileReading
from shared.db.migrations import upgrade
from shared.outbox import Outbox
from shared.testing.databases import DatabaseFactory
from shared.testing.memory import InMemoryUnitOfWork, MemoryStore
from shared.testing.units_of_work import sql_unit_of_work
from shared.unit_of_work import UnitOfWork

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def created(customer_id: str) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer_id, email=f"{customer_id}@example.com", name="C", timezone="UTC", created_at=T0
    )


class UnitOfWorkContract(ABC):
    @abstractmethod
    def new(self) -> UnitOfWork: ...

    @abstractmethod
    async def published(self) -> list[CloudEvent[Any]]: ...

    async def test_events_are_published_only_by_a_commit(self) -> None:
        async with self.new() as work:
            work.emit(created("cus_1"))
        assert await self.published() == []
        async with self.new() as work:
            work.emit(created("cus_1"))
            await work.commit()
        assert [e.data.customer_id for e in await self.published()] == ["cus_1"]

    async def test_each_subjects_events_are_numbered_in_commit_order(self) -> None:
        for batch in (["cus_a", "cus_b", "cus_a"], ["cus_a"]):
            async with self.new() as work:
                for customer in batch:
                    work.emit(created(customer))
                await work.commit()
        numbers = [(e.data.customer_id, e.data.sequence) for e in await self.published()]
        assert numbers == [("cus_a", 1), ("cus_b", 1), ("cus_a", 2), ("cus_a", 3)]

    async def test_a_committed_claim_holds_and_an_uncommitted_one_does_not(self) -> None:
        event = new_event(created("cus_1"), source="/billing", time=T0)
        async with self.new() as work:
            assert await work.claim("dunning", event) is True
        async with self.new() as work:
            assert await work.claim("dunning", event) is True
            await work.commit()
        async with self.new() as work:
            assert await work.claim("dunning", event) is False
            assert await work.claim("pause", event) is True

    async def test_a_dead_letter_may_be_claimed_again_by_a_redrive(self) -> None:
        event = new_event(created("cus_1"), source="/billing", time=T0)
        async with self.new() as work:
            await work.record_dead_letter("dunning", event)
            await work.commit()
        async with self.new() as work:
            assert await work.claim_many("dunning", [event]) == {event.id}

    async def test_an_effect_after_the_commit_waits_for_it_and_never_runs_without_it(self) -> None:
        ran: list[str] = []

        async def send() -> None:
            ran.append("sent")

        async with self.new() as work:
            work.after_commit(send)
        assert ran == []
        async with self.new() as work:
            work.after_commit(send)
            assert ran == []
            await work.commit()
        assert ran == ["sent"]

    async def test_a_read_only_unit_of_work_refuses_to_commit(self) -> None:
        async with self.new().read_only() as work:
            with pytest.raises(RuntimeError, match="read-only"):
                await work.commit()


class TestSqlUnitOfWork(UnitOfWorkContract):
    @pytest.fixture(autouse=True)
    async def database(self, each_database: DatabaseFactory) -> AsyncIterator[None]:
        self.engine: AsyncEngine = create_engine(await each_database.new("uow_contract"))
        await upgrade(self.engine, "billing")
        yield
        await self.engine.dispose()

    def new(self) -> UnitOfWork:
        return sql_unit_of_work(self.engine, messaging, T0)

    async def published(self) -> list[CloudEvent[Any]]:
        async with self.engine.connect() as conn:
            rows = await Outbox(messaging.outbox).next_batch(conn, limit=100)
        return [decode_event(row.payload) for row in rows]

    async def test_a_read_only_unit_of_work_refuses_to_write_and_leaves_nothing_written(self) -> None:
        """On PostgreSQL a read-only look runs without a transaction, so nothing would undo
        a write made in it: the write is refused before it is sent."""
        event = new_event(created("cus_1"), source="/billing", time=T0)
        async with self.new().read_only() as work:
            with pytest.raises(WriteWhileReading):
                await work.claim("dunning", event)
        async with self.new() as work:
            assert await work.claim("dunning", event) is True


class TestInMemoryUnitOfWork(UnitOfWorkContract):
    @pytest.fixture(autouse=True)
    def fresh_store(self) -> None:
        self.store = MemoryStore()

    def new(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self.store, clock=TestClock(T0), source="/billing")

    async def published(self) -> list[CloudEvent[Any]]:
        return list(self.store.outbox)
