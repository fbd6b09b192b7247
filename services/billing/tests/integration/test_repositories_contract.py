"""One contract for billing's repositories: the SQL ones and the in-memory fakes.

A service-layer test on the fake says something about the service only if the fake
behaves as the database does, so the same tests run on both: each aggregate comes back
as it was stored, a stale subscription save and a save of a settled attempt are
refused, invoice numbers have no gaps, `claim_due` takes what the domain says is due
and `claim_pending` never hands one attempt to two leases.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.memory import InMemoryBillingUnitOfWork
from billing.adapters.orm import messaging
from billing.adapters.unit_of_work import SqlBillingUnitOfWork
from billing.domain.customer import Customer
from billing.domain.invoice import Invoice, InvoiceLine
from billing.domain.payment import Lease, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import CloudEvent
from shared.contracts.billing import ChargeContext
from shared.contracts.commands import CancelSubscription
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.failures import ConcurrentUpdate
from shared.inbox import Inbox
from shared.money import Money
from shared.outbox import Outbox
from shared.outbox.sequences import EventSequences
from shared.testing.databases import DatabaseFactory
from shared.testing.memory import MemoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLAN = Plan.define(code="pro", name="Pro", amount=1500, currency="USD", interval="month")


def customer() -> Customer:
    return Customer.register(email="ada@example.com", name="Ada", timezone="UTC", now=T0)


def subscription(customer_id: str = "cus_1") -> Subscription:
    return Subscription.start(customer_id=customer_id, plan=PLAN, now=T0)


def invoice(number: str, subscription_id: str = "sub_1") -> Invoice:
    line = InvoiceLine(description="Pro", amount=Money.of(1500, "USD"), period_start=T0, period_end=T0)
    return Invoice.issue(
        number=number,
        customer_id="cus_1",
        subscription_id=subscription_id,
        lines=[line],
        context=ChargeContext.SUBSCRIPTION,
        now=T0,
    )


def attempt(invoice_id: str = "in_1", minutes: int = 0) -> PaymentAttempt:
    return PaymentAttempt.begin(
        invoice_id=invoice_id,
        subscription_id="sub_1",
        customer_id="cus_1",
        attempt_number=1,
        amount=Money.of(1500, "USD"),
        context=ChargeContext.SUBSCRIPTION,
        reason="renewal",
        now=T0 + timedelta(minutes=minutes),
    )


def cancel(subscription_id: str) -> CloudEvent[Any]:
    order = CancelSubscription(
        subscription_id=subscription_id, customer_id="cus_1", reason="window ended",
        requested_by="dunning", case_id="dc_1", requested_at=T0,
    )  # fmt: skip
    return new_event(order, source="/dunning", time=T0)


class RepositoriesContract(ABC):
    @abstractmethod
    def new(self) -> BillingUnitOfWork: ...

    @abstractmethod
    async def published_types(self) -> list[str]: ...

    async def settled_since_stored(self, a: PaymentAttempt, *pending: PaymentAttempt) -> PaymentAttempt:
        """Store `a` (and `pending`), then settle `a` in a transaction of its own."""
        async with self.new() as work:
            await work.attempts.add_many([a, *pending])
            await work.commit()
        async with self.new() as work:
            [mine] = await work.attempts.get_many([a.id])
            mine.succeed(gateway_reference="ch_1", at=T0)
            await work.attempts.save(mine)
            await work.commit()
        return mine

    async def test_each_aggregate_comes_back_as_it_was_added(self) -> None:
        c, s, i, a = customer(), subscription(), invoice("2026-000001"), attempt()
        card = PaymentMethod.add_default(
            customer_id=c.id,
            gateway_payment_method="pm_1",
            brand="visa",
            last4="4242",
            exp_month=12,
            exp_year=2030,
            source="customer",
            now=T0,
        )
        async with self.new() as work:
            await work.customers.add(c)
            await work.plans.add(PLAN, T0)
            await work.payment_methods.add_default(card)
            await work.subscriptions.add(s)
            await work.invoices.add_many([i])
            await work.attempts.add(a)
            await work.commit()
        async with self.new() as work:
            assert await work.customers.get(c.id) == c
            assert await work.plans.get("pro") == PLAN
            assert await work.payment_methods.default_for(c.id) == card
            assert await work.subscriptions.get(s.id) == s
            assert await work.invoices.get(i.id) == i
            assert await work.attempts.get_many([a.id]) == [a]

    async def test_added_aggregates_publish_their_events_on_commit_only(self) -> None:
        async with self.new() as work:
            await work.customers.add(customer())
        assert await self.published_types() == []
        async with self.new() as work:
            await work.customers.add(customer())
            await work.commit()
        assert await self.published_types() == ["customer.created"]

    async def test_open_invoices_come_oldest_first_and_follow_the_transactions_own_writes(self) -> None:
        """A batch of cancels reads its subscriptions' open invoices ahead; each answer
        must still be what the database would say after the batch's own writes."""
        first, paid, second = invoice("2026-000001"), invoice("2026-000002"), invoice("2026-000003")
        other = invoice("2026-000004", "sub_2")
        paid.mark_paid(T0)
        async with self.new() as work:
            await work.invoices.add_many([second, paid, first, other])
            await work.commit()
        async with self.new() as work:
            await work.read_ahead([cancel("sub_1"), cancel("sub_2"), cancel("sub_9")])
            found = await work.invoices.open_for_subscription("sub_1")
            assert [i.id for i in found] == [first.id, second.id]
            found[0].mark_uncollectible(T0)
            await work.invoices.save(found[0])
            assert [i.id for i in await work.invoices.open_for_subscription("sub_1")] == [second.id]
            assert [i.id for i in await work.invoices.open_for_subscription("sub_2")] == [other.id]
            assert await work.invoices.open_for_subscription("sub_9") == []
            await work.commit()
        async with self.new() as work:
            assert [i.id for i in await work.invoices.open_for_subscription("sub_1")] == [second.id]

    async def test_a_stale_subscription_save_is_refused(self) -> None:
        s = subscription()
        async with self.new() as work:
            await work.subscriptions.add(s)
            await work.commit()
        async with self.new() as work:
            stale = await work.subscriptions.get(s.id)
        async with self.new() as work:
            fresh = await work.subscriptions.get(s.id)
            assert fresh is not None
            await work.subscriptions.save(fresh)
            await work.commit()
        assert stale is not None
        async with self.new() as work:
            with pytest.raises(ConcurrentUpdate):
                await work.subscriptions.save(stale)
        async with self.new() as work:
            stored = await work.subscriptions.get(s.id)
        assert stored is not None
        assert stored.version == 1

    async def test_a_settled_attempt_cannot_be_saved_again(self) -> None:
        mine = await self.settled_since_stored(attempt())
        async with self.new() as work:
            with pytest.raises(ConcurrentUpdate):
                await work.attempts.save(mine)

    async def test_a_batch_holding_one_settled_attempt_is_not_saved(self) -> None:
        first, second = attempt("in_1"), attempt("in_2")
        await self.settled_since_stored(first, second)
        async with self.new() as work:
            first.cancel(T0)
            second.cancel(T0)
            with pytest.raises(ConcurrentUpdate):
                await work.attempts.save_many([first, second])
        async with self.new() as work:
            stored = await work.attempts.get_many([first.id, second.id])
            assert sorted(a.status.value for a in stored) == ["pending", "succeeded"]

    async def test_invoice_numbers_have_no_gaps_even_after_a_rollback(self) -> None:
        async with self.new() as work:
            assert await work.invoices.next_numbers(2026, 2) == ["2026-000001", "2026-000002"]
            await work.commit()
        async with self.new() as work:
            await work.invoices.next_numbers(2026, 3)  # rolled back: the numbers come back
        async with self.new() as work:
            assert await work.invoices.next_numbers(2026, 1) == ["2026-000003"]
            assert await work.invoices.next_numbers(2027, 1) == ["2027-000001"]

    async def test_claim_due_takes_what_the_domain_says_is_due_renewals_first(self) -> None:
        later = T0 + timedelta(days=40)
        due = [subscription() for _ in range(3)]
        paused, canceled = subscription(), subscription()
        paused.pause(pause_id="pau_1", at=T0 + timedelta(days=1), resumes_at=T0 + timedelta(days=90))
        canceled.cancel(at=T0, reason=None, requested_by="customer")
        not_yet = Subscription.start(customer_id="cus_2", plan=PLAN, now=later)
        async with self.new() as work:
            for s in [*due, paused, canceled, not_yet]:
                await work.subscriptions.add(s)
            await work.commit()
        expected = [*sorted(s.id for s in due), paused.id]  # same period end: by id; then the fee
        async with self.new() as work:
            assert await work.subscriptions.count_due(later) == 4
            assert [s.id for s in await work.subscriptions.claim_due(later, limit=3)] == expected[:3]
            claimed = await work.subscriptions.claim_due(later, limit=10)
        assert [s.id for s in claimed] == expected
        assert all(s.is_due_for_renewal(later) or s.beach_fee_due(later) for s in claimed)

    async def test_claim_pending_never_hands_one_attempt_to_two_leases(self) -> None:
        attempts = [attempt(f"in_{n}", minutes=n) for n in range(3)]
        settled = attempt("in_9", minutes=9)
        settled.cancel(T0)
        first, second = Lease("one", T0 + timedelta(minutes=1)), Lease("two", T0 + timedelta(minutes=1))
        async with self.new() as work:
            await work.attempts.add_many([*attempts, settled])
            await work.commit()
        async with self.new() as work:
            mine = await work.attempts.claim_pending(first, T0, limit=2)
            await work.commit()
        async with self.new() as work:
            theirs = await work.attempts.claim_pending(second, T0, limit=5)
            await work.commit()
        # The oldest two, in whatever order the database returns them.
        assert sorted(mine) == sorted([attempts[0].id, attempts[1].id])
        assert theirs == [attempts[2].id]
        async with self.new() as work:  # once the first lease ran out, its attempts are free
            again = await work.attempts.claim_pending(second, T0 + timedelta(minutes=2), limit=5)
        assert sorted(again) == sorted(a.id for a in attempts)

    async def test_a_customer_keeps_several_cards_the_default_first(self) -> None:
        def card(gateway_id: str, minutes: int) -> PaymentMethod:
            return PaymentMethod.add_backup(
                customer_id="cus_1", gateway_payment_method=gateway_id, brand="visa", last4="4242",
                exp_month=1, exp_year=2030, now=T0 + timedelta(minutes=minutes),
            )  # fmt: skip

        default, older, newer = card("pm_a", 0), card("pm_b", 1), card("pm_c", 2)
        default.is_default = True
        async with self.new() as work:
            await work.payment_methods.add_default(default)
            await work.payment_methods.add_backup(older)
            await work.payment_methods.add_backup(newer)
            assert not await work.payment_methods.has_live_subscription("cus_1")
            await work.subscriptions.add(subscription())
            await work.commit()
        async with self.new() as work:
            listed = [m.gateway_payment_method for m in await work.payment_methods.of_customer("cus_1")]
            backup = (await work.payment_methods.backups_for(["cus_1"]))["cus_1"]
            assert await work.payment_methods.has_live_subscription("cus_1")
            await work.payment_methods.make_default(older)
            await work.payment_methods.remove(default)
            await work.commit()
        assert listed == ["pm_a", "pm_c", "pm_b"]
        assert backup.gateway_payment_method == "pm_c"
        async with self.new() as work:
            after = [
                (m.gateway_payment_method, m.is_default)
                for m in await work.payment_methods.of_customer("cus_1")
            ]
        assert after == [("pm_b", True), ("pm_c", False)]

    async def test_a_charge_held_by_the_retry_budget_is_not_claimed_nor_due_before_its_moment(self) -> None:
        held, free, sent = attempt("in_1"), attempt("in_2", minutes=1), attempt("in_3", minutes=2)
        held.wait_for_budget(T0 + timedelta(hours=5), "card retry budget: 10 charges in 24 hours used")
        sent.gateway_payment_method = "pm_a"
        sent.fail(
            decline_code="card_declined", message=None, gateway_reference=None, at=T0 + timedelta(hours=1)
        )
        async with self.new() as work:
            await work.attempts.add_many([held, free, sent])
            await work.commit()
        lease = Lease("one", T0 + timedelta(minutes=1))
        async with self.new() as work:
            assert await work.attempts.count_pending(due_by=T0) == 1
            assert await work.attempts.count_pending() == 2
            assert await work.attempts.next_held_until() == T0 + timedelta(hours=5)
            mine, theirs = ("cus_1", "pm_a"), ("cus_2", "pm_a")  # the same test card, two customers
            on_cards = await work.attempts.sent_on_cards([mine, theirs], T0)
            assert on_cards == {mine: [T0 + timedelta(hours=1)]}
            assert await work.attempts.sent_on_cards([mine], T0 + timedelta(hours=1)) == {}
            assert await work.attempts.claim_pending(lease, T0, 10, due_by=T0) == [free.id]
            await work.commit()
        async with self.new() as work:
            later = await work.attempts.claim_pending(lease, T0, 10, due_by=T0 + timedelta(hours=5))
        assert later == [held.id]


class TestSqlRepositories(RepositoriesContract):
    @pytest.fixture(autouse=True)
    async def database(self, each_database: DatabaseFactory) -> AsyncIterator[None]:
        self.engine: AsyncEngine = create_engine(await each_database.new("repositories_contract"))
        await upgrade(self.engine, "billing")
        yield
        await self.engine.dispose()

    def new(self) -> BillingUnitOfWork:
        clock = TestClock(T0)
        return SqlBillingUnitOfWork(
            self.engine,
            outbox=Outbox(messaging.outbox),
            inbox=Inbox(messaging.inbox, clock),
            sequences=EventSequences(messaging.sequences),
            clock=clock,
            source="/billing",
        )

    async def published_types(self) -> list[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(messaging.outbox.c.event_type))
            return [row.event_type for row in rows]


class TestMemoryRepositories(RepositoriesContract):
    @pytest.fixture(autouse=True)
    def fresh_store(self) -> None:
        self.store = MemoryStore()

    def new(self) -> BillingUnitOfWork:
        return InMemoryBillingUnitOfWork(self.store, clock=TestClock(T0))

    async def published_types(self) -> list[str]:
        return [event.type for event in self.store.outbox]
