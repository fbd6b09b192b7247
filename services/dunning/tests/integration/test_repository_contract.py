"""One contract for dunning's repositories: the SQL ones and the in-memory ones.

A service-layer test on the memory unit of work says something about the service only
if the memory repositories keep the promises the SQL ones keep. So the same suite runs
against both: a case is found by its invoice, id, subscription and customer; its
timeline survives a save; due cases come oldest first; a stale save is refused; a paid
invoice and the newest subscription fact are remembered, whatever order they came in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dunning.adapters.memory import InMemoryDunningUnitOfWork
from dunning.adapters.orm import messaging
from dunning.adapters.unit_of_work import SqlDunningUnitOfWork
from dunning.domain.attribution import Recovery
from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.payment_date import choose
from dunning.domain.policy import DEFAULT_POLICY
from dunning.domain.recovery_link import RecoveryToken, hash_of
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.clock import TestClock
from shared.contracts.base import EventData, new_event
from shared.contracts.billing import CustomerCreated, PaymentFailed
from shared.contracts.codec import decode_event
from shared.contracts.dunning import CaseOutcome, DunningCaseClosed, DunningCaseOpened, RecoveryMethod
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.failures import ConcurrentUpdate
from shared.inbox import Inbox
from shared.money import Money
from shared.outbox import Outbox
from shared.outbox.sequences import EventSequences
from shared.testing.databases import DatabaseFactory
from shared.testing.memory import MemoryStore

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def a_case(n: int, *, opened_at: datetime = T0, customer: str | None = None) -> DunningCase:
    return DunningCase.open(
        case_id=f"dc_{n}",
        subscription_id=f"sub_{n}",
        customer_id=customer or f"cus_{n}",
        invoice_id=f"in_{n}",
        amount_due=Money.of(1500, "EUR"),
        decline_code="insufficient_funds",
        failed_at=opened_at,
        timezone="Europe/Paris",
        policy=DEFAULT_POLICY,
        failed_card="pm_old",
    )


class DunningRepositoryContract(ABC):
    @abstractmethod
    def new(self) -> DunningUnitOfWork: ...

    @abstractmethod
    async def published(self) -> list[EventData]: ...

    async def add(self, *cases: tuple[DunningCase, datetime | None]) -> None:
        async with self.new() as work:
            for case, due in cases:
                await work.cases.add(case, due)
            await work.commit()

    async def test_a_case_is_found_by_invoice_id_subscription_and_customer_once_committed(self) -> None:
        async with self.new() as work:
            await work.cases.add(a_case(1), T0)
        async with self.new() as work:
            assert await work.cases.by_invoice("in_1") is None
        await self.add((a_case(1), T0))
        async with self.new() as work:
            assert (await work.cases.by_invoice("in_1")) == a_case(1)
            assert (await work.cases.get("dc_1")) == a_case(1)
            assert [c.id for c in await work.cases.open_for(subscription_id="sub_1")] == ["dc_1"]
            assert [c.id for c in await work.cases.open_for(customer_id="cus_1")] == ["dc_1"]
            assert await work.cases.open_for(customer_id="cus_2") == []
            assert await work.cases.get("dc_2") is None

    async def test_a_saved_case_keeps_its_timeline_and_a_closed_one_is_no_longer_open(self) -> None:
        await self.add((a_case(1), T0))
        async with self.new() as work:
            case = await work.cases.get("dc_1")
            assert case is not None
            case.record_retry(T0 + HOUR, RetryReason.PAYDAY)
            case.record_reminder(T0 + 2 * HOUR, "dunning.card_update.1")
            case.card_updated(T0 + 3 * HOUR, "pm_new")
            case.customer_lives_in("Asia/Tokyo")
            await work.cases.save(case, T0 + 4 * HOUR)
            await work.commit()
        async with self.new() as work:
            again = await work.cases.get("dc_1")
            assert again == case
            assert again is not None
            assert again.version == 1
            again.close(CaseOutcome.CANCELED, T0 + 5 * HOUR)
            await work.cases.save(again, None)
            await work.commit()
        async with self.new() as work:
            assert await work.cases.open_for(customer_id="cus_1") == []
            closed = await work.cases.by_invoice("in_1")
            assert closed is not None
            assert closed.outcome is CaseOutcome.CANCELED

    async def test_a_payment_date_and_a_backup_card_survive_a_save(self) -> None:
        await self.add((a_case(1), T0))
        async with self.new() as work:
            case = await work.cases.get("dc_1")
            assert case is not None
            case.backup_card = "pm_backup"
            choose(case, date(2026, 3, 20), T0, T0 + timedelta(days=21))
            await work.cases.save(case, T0 + HOUR)
            await work.commit()
        async with self.new() as work:
            again = await work.cases.get("dc_1")
        assert again == case
        assert again is not None
        assert again.payment_date is not None
        assert again.payment_date.day == date(2026, 3, 20)

    async def test_a_recovery_token_is_found_by_its_hash_only(self) -> None:
        token, stored = RecoveryToken.issue("cus_1", "dc_1", T0)
        async with self.new() as work:
            await work.recovery_tokens.add(stored)
            await work.commit()
        async with self.new() as work:
            assert await work.recovery_tokens.get(hash_of(token)) == stored
            assert await work.recovery_tokens.get(hash_of(token + "x")) is None
            assert await work.recovery_tokens.get(token) is None

    async def test_a_save_of_a_case_someone_saved_since_it_was_read_is_refused(self) -> None:
        await self.add((a_case(1), T0))
        async with self.new() as work:
            stale = await work.cases.get("dc_1")
        async with self.new() as work:
            fresh = await work.cases.get("dc_1")
            assert fresh is not None
            fresh.record_retry(T0 + HOUR, RetryReason.PAYDAY)
            await work.cases.save(fresh, T0 + 2 * HOUR)
            await work.commit()
        assert stale is not None
        stale.close(CaseOutcome.CANCELED, T0 + HOUR)
        async with self.new() as work:
            with pytest.raises(ConcurrentUpdate):
                await work.cases.save(stale, None)
        async with self.new() as work:
            kept = await work.cases.get("dc_1")
            assert kept is not None
            assert kept.is_open
            assert len(kept.retries) == 1

    async def test_a_recovery_and_its_thirty_day_check_survive_a_save(self) -> None:
        await self.add((a_case(1), T0))
        async with self.new() as work:
            case = await work.cases.get("dc_1")
            assert case is not None
            case.card_updated(T0 + HOUR, "pm_new", "card_updater")
            case.record_retry(T0 + HOUR, RetryReason.CARD_UPDATED)
            case.recover(T0 + 2 * HOUR)
            await work.cases.save(case, None)
            await work.commit()
        check = T0 + 2 * HOUR + timedelta(days=30)
        async with self.new() as work:
            again = await work.cases.get("dc_1")
            assert again is not None
            assert (again.recovery, again.card_updated_by) == (
                Recovery(RecoveryMethod.CARD_UPDATER),
                "card_updater",
            )
            assert await work.cases.next_due_at() == check
            assert await work.cases.retention_due(check - HOUR, 10) == []
            assert await work.cases.count_due(check) == 1
            [due] = await work.cases.retention_due(check, 10)
            due.record_retention(check, still_subscribed=True)
            await work.cases.save(due, None)
            await work.commit()
        async with self.new() as work:
            checked = await work.cases.get("dc_1")
            assert checked is not None
            assert checked.retained_30d is True
            assert await work.cases.retention_due(check, 10) == []
            assert await work.cases.next_due_at() is None

    async def test_due_cases_are_the_open_ones_whose_moment_came_oldest_first(self) -> None:
        closed = a_case(4, opened_at=T0 - 4 * HOUR)
        closed.close(CaseOutcome.CANCELED, T0)
        await self.add(
            (a_case(1, opened_at=T0 - HOUR), T0 + HOUR),
            (a_case(2, opened_at=T0 - 2 * HOUR), T0 + 2 * HOUR),
            (a_case(3, opened_at=T0 - 3 * HOUR), T0 + 3 * HOUR),
            (closed, None),
            (a_case(5), None),
        )
        async with self.new().read_only() as work:
            assert await work.cases.next_due_at() == T0 + HOUR
            assert await work.cases.count_due(T0) == 0
            assert await work.cases.count_due(T0 + 2 * HOUR) == 2
            due = await work.cases.due(T0 + 3 * HOUR, limit=2, lock=False)
            assert [c.id for c in due] == ["dc_3", "dc_2"]
        async with self.new() as work:
            assert [c.id for c in await work.cases.due(T0 + 9 * HOUR, limit=10)] == ["dc_3", "dc_2", "dc_1"]

    async def test_a_cases_events_are_published_once_by_the_commit_that_saved_it(self) -> None:
        await self.add((a_case(1), T0))
        async with self.new() as work:
            case = await work.cases.get("dc_1")
            assert case is not None
            case.close(CaseOutcome.CANCELED, T0 + HOUR)
            await work.cases.save(case, None)
            await work.commit()
        async with self.new() as work:
            await work.commit()
        opened_then_closed: list[type[EventData]] = [DunningCaseOpened, DunningCaseClosed]
        assert [type(e) for e in await self.published()] == opened_then_closed

    async def test_a_paid_invoice_is_remembered_once(self) -> None:
        async with self.new() as work:
            await work.settled_invoices.remember("in_1", "sub_1", T0)
            await work.settled_invoices.remember("in_1", "sub_1", T0 + HOUR)
            await work.commit()
        async with self.new() as work:
            assert await work.settled_invoices.is_paid("in_1")
            assert not await work.settled_invoices.is_paid("in_2")

    async def test_only_the_newest_subscription_fact_counts_and_only_against_older_ones(self) -> None:
        async with self.new() as work:
            await work.subscription_states.remember("sub_1", "paused", 5)
            await work.subscription_states.remember("sub_1", "canceled", 3)
            await work.commit()
        async with self.new() as work:
            assert await work.subscription_states.ended_after("sub_1", 4) == "paused"
            assert await work.subscription_states.ended_after("sub_1", 5) is None
            assert await work.subscription_states.ended_after("sub_1", None) is None
            assert await work.subscription_states.ended_after("sub_2", 1) is None
            await work.subscription_states.remember("sub_1", "canceled", 7)
            assert await work.subscription_states.ended_after("sub_1", 6) == "canceled"

    async def test_a_customer_is_remembered_and_a_second_registration_replaces_the_first(self) -> None:
        def created(timezone: str) -> CustomerCreated:
            return CustomerCreated(
                customer_id="cus_1", email="a@example.com", name="A", timezone=timezone, created_at=T0
            )

        async with self.new() as work:
            assert await work.customers.get("cus_1") is None
            await work.customers.remember(created("UTC"))
            await work.customers.remember(created("Asia/Tokyo"))
            await work.commit()
        async with self.new() as work:
            profile = await work.customers.get("cus_1")
            assert profile is not None
            assert (profile.email, profile.timezone) == ("a@example.com", "Asia/Tokyo")

    async def test_what_a_batch_reads_ahead_answers_as_the_database_would_around_its_own_writes(
        self,
    ) -> None:
        await self.add((a_case(1), T0))
        async with self.new() as work:
            await work.settled_invoices.remember("in_9", "sub_9", T0)
            await work.subscription_states.remember("sub_1", "paused", 5)
            await work.commit()
        failures = [new_event(failed(n), source="/billing", time=T0) for n in (1, 2, 9)]
        async with self.new() as work:
            await work.read_ahead(failures)
            assert await work.cases.by_invoice("in_1") == a_case(1)
            assert await work.cases.by_invoice("in_2") is None
            assert await work.settled_invoices.is_paid("in_9")
            assert not await work.settled_invoices.is_paid("in_2")
            assert await work.subscription_states.ended_after("sub_1", 4) == "paused"
            assert await work.customers.get("cus_2") is None

            await work.cases.add(a_case(2), T0)
            assert await work.cases.by_invoice("in_2") == a_case(2)
            assert [case.id for case in await work.cases.open_for(customer_id="cus_2")] == ["dc_2"]
            await work.settled_invoices.remember("in_2", "sub_2", T0)
            assert await work.settled_invoices.is_paid("in_2")
            await work.subscription_states.remember("sub_1", "canceled", 7)
            assert await work.subscription_states.ended_after("sub_1", 6) == "canceled"
            await work.customers.remember(
                CustomerCreated(
                    customer_id="cus_2", email="b@example.com", name="B", timezone="UTC", created_at=T0
                )
            )
            profile = await work.customers.get("cus_2")
            assert profile is not None
            assert profile.email == "b@example.com"
            first = await work.cases.by_invoice("in_1")
            assert first is not None
            first.recover(T0 + HOUR, Money.of(1500, "EUR"))
            await work.cases.save(first, None)
            reread = await work.cases.by_invoice("in_1")
            assert reread is not None
            assert not reread.is_open
            assert reread.version == first.version
            await work.commit()
        async with self.new() as work:
            assert await work.cases.by_invoice("in_2") == a_case(2)


def failed(n: int) -> PaymentFailed:
    return PaymentFailed(
        payment_id=f"pay_{n}", invoice_id=f"in_{n}", subscription_id=f"sub_{n}", customer_id=f"cus_{n}",
        amount=Money.of(1500, "EUR"), attempt_number=1, attempted_at=T0, decline_code="insufficient_funds",
    )  # fmt: skip


class TestSqlRepositories(DunningRepositoryContract):
    @pytest.fixture(autouse=True)
    async def database(self, each_database: DatabaseFactory) -> AsyncIterator[None]:
        self.engine: AsyncEngine = create_engine(await each_database.new("dunning_repositories"))
        await upgrade(self.engine, "dunning")
        yield
        await self.engine.dispose()

    def new(self) -> DunningUnitOfWork:
        clock = TestClock(T0)
        return SqlDunningUnitOfWork(
            self.engine,
            outbox=Outbox(messaging.outbox),
            inbox=Inbox(messaging.inbox, clock),
            sequences=EventSequences(messaging.sequences),
            clock=clock,
            source="/dunning",
        )

    async def published(self) -> list[EventData]:
        async with self.engine.connect() as conn:
            rows = await Outbox(messaging.outbox).next_batch(conn, limit=100)
        return [decode_event(row.payload).data for row in rows]


class TestMemoryRepositories(DunningRepositoryContract):
    @pytest.fixture(autouse=True)
    def fresh_store(self) -> None:
        self.store = MemoryStore()

    def new(self) -> DunningUnitOfWork:
        return InMemoryDunningUnitOfWork(self.store, clock=TestClock(T0), source="/dunning")

    async def published(self) -> list[EventData]:
        return self.store.published()
