"""One contract for pause's repositories: the database ones and their in-memory twins.

A use-case test on the in-memory unit of work says something about the service only
if the twin answers as the database does. So the same suite runs against both: pauses
and cancel intents read back as saved, due pauses come with their plan codes, and the
subscription replica keeps its newer-sequence-wins rules whatever order facts come in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pause.adapters.memory import InMemoryPauseUnitOfWork
from pause.adapters.orm import messaging
from pause.adapters.unit_of_work import SqlPauseUnitOfWork
from pause.domain.cancel_intent import CancelIntent
from pause.domain.card_on_file import CardOnFile
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.repositories import CreatedFacts, PauseMoments
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import CloudEvent
from shared.contracts.billing import CustomerCreated, SubscriptionCanceled
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.inbox import Inbox
from shared.money import Money
from shared.outbox import Outbox
from shared.outbox.sequences import EventSequences
from shared.testing.databases import DatabaseFactory
from shared.testing.memory import MemoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRICE, FEE = Money.of(1500, "USD"), Money.of(100, "USD")
R = TypeVar("R")


def about(subscription_id: str) -> CloudEvent[Any]:
    """An event naming the subscription, as a batch holds them."""
    return new_event(
        SubscriptionCanceled(
            subscription_id=subscription_id, customer_id="cus_0", canceled_at=T0, requested_by="customer"
        ),
        source="/billing",
        time=T0,
    )


class PauseRepositoriesContract(ABC):
    @abstractmethod
    def new(self) -> PauseUnitOfWork: ...

    @abstractmethod
    async def reset(self) -> None:
        """Start again from an empty store."""

    async def committed(self, action: Callable[[PauseUnitOfWork], Awaitable[R]]) -> R:
        async with self.new() as work:
            answer = await action(work)
            await work.commit()
        return answer

    async def read(self, action: Callable[[PauseUnitOfWork], Awaitable[R]]) -> R:
        async with self.new().read_only() as work:
            return await action(work)

    async def subscription(self, n: int = 1, *, plan: str = "pro", start: datetime = T0) -> SubscriptionView:
        async def create(work: PauseUnitOfWork) -> None:
            replica = work.subscriptions
            await replica.heard_of(f"sub_{n}", f"cus_{n // 10}")
            await replica.set_terms(f"sub_{n}", plan, PRICE, FEE)
            await replica.set_status(f"sub_{n}", "active", 1)
            await replica.set_period(f"sub_{n}", start, start + timedelta(days=30), 1)

        await self.committed(create)
        view = await self.read(lambda work: work.subscriptions.get(f"sub_{n}"))
        assert view is not None
        return view

    async def pause(self, view: SubscriptionView, now: datetime = T0) -> BeachPause:
        pause = BeachPause.schedule(view, 1, now, PausePolicy(), "portal")
        await self.committed(lambda work: work.pauses.add(pause))
        return pause

    # beach pauses

    async def test_a_pause_reads_back_as_it_was_saved(self) -> None:
        pause = await self.pause(await self.subscription())
        pause.start(pause.starts_at)
        await self.committed(lambda work: work.pauses.save(pause))
        found = await self.read(lambda work: work.pauses.get(pause.id))
        assert found == pause
        assert found is not None
        assert found.status is PauseStatus.ACTIVE

    async def test_what_was_not_committed_is_not_seen(self) -> None:
        view = await self.subscription()
        async with self.new() as work:
            await work.pauses.add(BeachPause.schedule(view, 1, T0, PausePolicy(), "portal"))
        assert await self.read(lambda work: work.pauses.for_subscription(view.id)) == []

    async def test_pauses_of_a_subscription_and_of_a_customer_come_oldest_first(self) -> None:
        view = await self.subscription(1)
        older, newer = await self.pause(view), await self.pause(view, T0 + timedelta(days=1))
        await self.pause(await self.subscription(21))
        assert [p.id for p in await self.read(lambda w: w.pauses.for_subscription(view.id))] == [
            older.id, newer.id,
        ]  # fmt: skip
        assert [p.id for p in await self.read(lambda w: w.pauses.for_customer("cus_0"))] == [
            older.id, newer.id,
        ]  # fmt: skip

    async def test_due_pauses_come_with_their_plan_and_unknown_plans_are_empty(self) -> None:
        view = await self.subscription(1, plan="pro")
        first = await self.pause(view)
        orphan = BeachPause.schedule(view, 1, T0 + timedelta(hours=1), PausePolicy(), "portal")
        orphan.subscription_id = "sub_unknown"
        await self.committed(lambda work: work.pauses.add(orphan))
        by = view.current_period_end
        found = await self.read(lambda work: work.pauses.starting_or_resuming_by(by, 10))
        assert [(p.id, plan) for p, plan in found] == [(first.id, "pro"), (orphan.id, "")]
        assert await self.read(lambda work: work.pauses.starting_or_resuming_by(by - timedelta(1), 10)) == []
        assert len(await self.read(lambda work: work.pauses.starting_or_resuming_by(by, 1))) == 1

    async def test_the_next_moments_are_the_earliest_start_resume_and_unreminded_resume(self) -> None:
        assert await self.read(lambda work: work.pauses.next_moments()) == PauseMoments(None, None, {})
        scheduled = await self.pause(await self.subscription(1))
        active = await self.pause(await self.subscription(2, plan="basic"))
        active.start(active.starts_at)
        await self.committed(lambda work: work.pauses.save(active))
        moments = await self.read(lambda work: work.pauses.next_moments())
        assert moments.first_start == scheduled.starts_at
        assert moments.first_resume == active.resumes_at
        assert moments.unreminded_resumes == {"basic": active.resumes_at}

    # cancel intents

    async def test_pending_cancel_intents_are_found_since_a_moment_and_until_resolved(self) -> None:
        old = CancelIntent.record("sub_1", "cus_1", "too busy", T0 - timedelta(days=40))
        fresh = CancelIntent.record("sub_1", "cus_1", "too dear", T0)
        for intent in (old, fresh):

            async def add(work: PauseUnitOfWork, i: CancelIntent = intent) -> None:
                await work.cancel_intents.add(i)

            await self.committed(add)
        since = T0 - timedelta(days=30)
        assert await self.read(lambda work: work.cancel_intents.pending_for("sub_1", since)) == [fresh]
        fresh.confirmed(T0)
        await self.committed(lambda work: work.cancel_intents.save(fresh))
        assert await self.read(lambda work: work.cancel_intents.pending_for("sub_1", since)) == []
        assert await self.read(lambda work: work.cancel_intents.get(fresh.id)) == fresh

    # the subscription replica

    async def test_a_subscription_is_unknown_until_its_plan_and_price_are(self) -> None:
        async def later_fact_first(work: PauseUnitOfWork) -> None:
            await work.subscriptions.heard_of("sub_1", "cus_0")
            await work.subscriptions.set_status("sub_1", "past_due", 3)

        await self.committed(later_fact_first)
        assert await self.read(lambda work: work.subscriptions.get("sub_1")) is None
        assert await self.read(lambda work: work.subscriptions.of_customer("cus_0")) == []
        view = await self.subscription(1)
        assert view.status == "past_due"
        assert (view.plan_code, view.price, view.beach_fee) == ("pro", PRICE, FEE)

    async def test_a_subscription_first_heard_of_keeps_all_it_was_created_with_and_only_once(self) -> None:
        created = CreatedFacts("pro", PRICE, FEE, "active", T0, T0 + timedelta(days=30), 1, "Pro")
        late = CreatedFacts("max", PRICE, FEE, "canceled", T0, T0 + timedelta(days=30), 9, "Max")

        async def twice(work: PauseUnitOfWork) -> list[bool]:
            return [
                await work.subscriptions.first_heard("sub_1", "cus_0", created),
                await work.subscriptions.first_heard("sub_1", "cus_0", late),
            ]

        assert await self.committed(twice) == [True, False]
        view = await self.read(lambda work: work.subscriptions.get("sub_1"))
        assert view is not None
        assert (view.plan_code, view.plan_name, view.status, view.price) == ("pro", "Pro", "active", PRICE)
        assert view.current_period_end == T0 + timedelta(days=30)

    async def test_a_batch_read_ahead_answers_around_its_own_writes_as_the_database_does(self) -> None:
        """A consumer's batch reads its subscriptions ahead; what it then writes and reads
        must be what the same calls give without reading ahead."""
        await self.subscription(2)
        created = CreatedFacts("pro", PRICE, FEE, "active", T0, T0 + timedelta(days=30), 1, "Pro")
        late = CreatedFacts("max", PRICE, FEE, "canceled", T0, T0 + timedelta(days=30), 9, "Max")
        ids = [f"sub_{n}" for n in (1, 2, 3, 4)]

        async def batch(work: PauseUnitOfWork, ahead: bool) -> list[Any]:
            if ahead:
                await work.read_ahead([about(i) for i in ids])
            replica = work.subscriptions
            answers: list[Any] = [
                await replica.first_heard("sub_1", "cus_0", created),
                await replica.first_heard("sub_1", "cus_0", late),  # a second copy: the rules decide
                await replica.first_heard("sub_2", "cus_0", late),  # known before the batch
            ]
            await replica.set_status("sub_1", "past_due", 2)
            await replica.heard_of("sub_3", "cus_0")
            await replica.set_status("sub_3", "paused", 4)
            answers.append(await replica.first_heard("sub_4", "cus_0", created))
            await replica.dunning_case("sub_4", "dc_4")
            answers.append(await replica.get("sub_1"))
            answers.append(await replica.open_case_of("cus_0"))
            return answers

        async def everything(work: PauseUnitOfWork) -> list[SubscriptionView | None]:
            return [await work.subscriptions.get(i) for i in ids]

        answers_ahead = await self.committed(lambda work: batch(work, ahead=True))
        state_ahead = await self.read(everything)
        await self.reset()
        await self.subscription(2)
        assert answers_ahead == await self.committed(lambda work: batch(work, ahead=False))
        assert state_ahead == await self.read(everything)
        assert answers_ahead[:4] == [True, False, False, True]
        assert answers_ahead[5] == "dc_4"

    async def test_a_customers_subscriptions_come_by_the_start_of_their_period(self) -> None:
        await self.subscription(1, start=T0 + timedelta(days=2))
        await self.subscription(2, start=T0)
        await self.subscription(11)
        found = await self.read(lambda work: work.subscriptions.of_customer("cus_0"))
        assert [view.id for view in found] == ["sub_2", "sub_1"]

    async def test_an_older_status_or_period_never_overwrites_a_newer_one(self) -> None:
        await self.subscription(1)

        async def facts(work: PauseUnitOfWork) -> None:
            await work.subscriptions.set_status("sub_1", "paused", 5)
            await work.subscriptions.set_status("sub_1", "past_due", 4)
            await work.subscriptions.set_period("sub_1", T0 + timedelta(60), T0 + timedelta(90), 6)
            await work.subscriptions.set_period("sub_1", T0 + timedelta(30), T0 + timedelta(60), 2)

        await self.committed(facts)
        view = await self.read(lambda work: work.subscriptions.get("sub_1"))
        assert view is not None
        assert (view.status, view.current_period_start) == ("paused", T0 + timedelta(60))

    async def test_a_fact_without_a_sequence_is_taken_as_it_comes(self) -> None:
        await self.subscription(1)

        async def unnumbered(work: PauseUnitOfWork) -> None:
            await work.subscriptions.set_status("sub_1", "paused", None)
            await work.subscriptions.set_period("sub_1", T0 + timedelta(60), T0 + timedelta(90), None)
            await work.subscriptions.set_plan("sub_1", "max")

        await self.committed(unnumbered)
        view = await self.read(lambda work: work.subscriptions.get("sub_1"))
        assert view is not None
        assert (view.status, view.plan_code, view.current_period_start) == (
            "paused",
            "max",
            T0 + timedelta(60),
        )

    async def test_a_paid_invoice_ends_an_older_past_due_but_not_a_newer_one(self) -> None:
        for n, paid_sequence, expected in ((1, 4, "active"), (2, 2, "past_due")):
            await self.subscription(n)

            async def facts(work: PauseUnitOfWork, n: int = n, paid: int = paid_sequence) -> None:
                await work.subscriptions.set_status(f"sub_{n}", "past_due", 3)
                await work.subscriptions.invoice_paid(f"sub_{n}", paid)

            await self.committed(facts)

            async def view_of(work: PauseUnitOfWork, n: int = n) -> SubscriptionView | None:
                return await work.subscriptions.get(f"sub_{n}")

            view = await self.read(view_of)
            assert view is not None
            assert view.status == expected, n

    async def test_a_paid_invoice_heard_before_the_past_due_still_ends_it(self) -> None:
        await self.subscription(1)

        async def facts(work: PauseUnitOfWork) -> None:
            await work.subscriptions.invoice_paid("sub_1", 4)
            await work.subscriptions.set_status("sub_1", "past_due", 3)

        await self.committed(facts)
        view = await self.read(lambda work: work.subscriptions.get("sub_1"))
        assert view is not None
        assert view.status == "active"

    async def test_a_paid_invoice_without_a_sequence_ends_the_past_due_it_finds(self) -> None:
        await self.subscription(1)

        async def facts(work: PauseUnitOfWork) -> None:
            await work.subscriptions.set_status("sub_1", "past_due", 3)
            await work.subscriptions.invoice_paid("sub_1", None)

        await self.committed(facts)
        view = await self.read(lambda work: work.subscriptions.get("sub_1"))
        assert view is not None
        assert view.status == "active"

    async def test_dunning_flags_follow_every_case_and_a_case_only_moves_forward(self) -> None:
        await self.subscription(1)
        steps: list[tuple[dict[str, Any], tuple[bool, bool]]] = [
            ({"case_id": "dc_1", "offered": True}, (True, True)),
            ({"case_id": "dc_1"}, (True, True)),  # the opening, heard late, undoes nothing
            ({"case_id": "dc_2"}, (True, True)),
            ({"case_id": "dc_1", "closed": True}, (True, False)),
            ({"case_id": "dc_2", "closed": True}, (False, False)),
            ({"case_id": "dc_2", "offered": True}, (False, False)),
        ]
        for step, flags in steps:

            async def record(work: PauseUnitOfWork, s: dict[str, Any] = step) -> None:
                await work.subscriptions.dunning_case("sub_1", **s)

            await self.committed(record)
            view = await self.read(lambda work: work.subscriptions.get("sub_1"))
            assert view is not None
            assert (view.open_dunning_case, view.dunning_offer_open) == flags, step

    async def test_the_open_case_of_a_customer_is_found_and_a_closed_one_is_not(self) -> None:
        await self.subscription(1)  # a subscription of customer cus_0

        async def opened(work: PauseUnitOfWork) -> None:
            await work.subscriptions.dunning_case("sub_1", "dc_1")

        async def closed(work: PauseUnitOfWork) -> None:
            await work.subscriptions.dunning_case("sub_1", "dc_1", closed=True)

        assert await self.read(lambda work: work.subscriptions.open_case_of("cus_0")) is None
        await self.committed(opened)
        assert await self.read(lambda work: work.subscriptions.open_case_of("cus_0")) == "dc_1"
        assert await self.read(lambda work: work.subscriptions.open_case_of("cus_9")) is None
        await self.committed(closed)
        assert await self.read(lambda work: work.subscriptions.open_case_of("cus_0")) is None

    # cards, fees, customers

    async def test_the_newest_card_wins_by_sequence_or_else_by_time(self) -> None:
        visa, amex = CardOnFile("visa", "4242", 12, 2030), CardOnFile("amex", "0005", 1, 2031)
        await self.committed(lambda work: work.cards.remember("cus_1", visa, T0, 2))
        await self.committed(lambda work: work.cards.remember("cus_1", amex, T0 + timedelta(1), 1))
        assert await self.read(lambda work: work.cards.of("cus_1")) == visa
        await self.committed(lambda work: work.cards.remember("cus_1", amex, T0 + timedelta(1), None))
        assert await self.read(lambda work: work.cards.of("cus_1")) == amex
        await self.committed(lambda work: work.cards.remember("cus_1", visa, T0, None))
        assert await self.read(lambda work: work.cards.of("cus_1")) == amex
        assert await self.read(lambda work: work.cards.of("cus_2")) is None

    async def test_a_fee_payment_heard_twice_is_kept_once(self) -> None:
        for _ in range(2):
            await self.committed(lambda work: work.fee_payments.paid("in_1", "sub_1", FEE, T0))

    async def test_a_customer_is_remembered_and_found_again(self) -> None:
        created = CustomerCreated(
            customer_id="cus_1", email="a@example.com", name="A", timezone="Europe/Paris", created_at=T0
        )
        await self.committed(lambda work: work.customers.remember(created))
        profile = await self.read(lambda work: work.customers.get("cus_1"))
        assert profile is not None
        assert (profile.email, profile.timezone) == ("a@example.com", "Europe/Paris")
        assert await self.read(lambda work: work.customers.get("cus_2")) is None


class TestSqlPauseRepositories(PauseRepositoriesContract):
    @pytest.fixture(autouse=True)
    async def database(self, each_database: DatabaseFactory) -> AsyncIterator[None]:
        self.engine: AsyncEngine = create_engine(await each_database.new("pause_contract"))
        await upgrade(self.engine, "pause")
        self.factory = each_database
        yield
        await self.engine.dispose()

    async def reset(self) -> None:
        await self.engine.dispose()
        self.engine = create_engine(await self.factory.new("pause_contract_again"))
        await upgrade(self.engine, "pause")

    def new(self) -> PauseUnitOfWork:
        clock = TestClock(T0)
        return SqlPauseUnitOfWork(
            self.engine,
            outbox=Outbox(messaging.outbox),
            inbox=Inbox(messaging.inbox, clock),
            sequences=EventSequences(messaging.sequences),
            clock=clock,
            source="/pause",
        )


class TestInMemoryPauseRepositories(PauseRepositoriesContract):
    @pytest.fixture(autouse=True)
    def fresh_store(self) -> None:
        self.store = MemoryStore()

    async def reset(self) -> None:
        self.store = MemoryStore()

    def new(self) -> PauseUnitOfWork:
        return InMemoryPauseUnitOfWork(self.store, clock=TestClock(T0), source="/pause")
