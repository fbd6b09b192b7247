"""Billing holds back a charge its card's retry budget has no room for, and sends it later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.adapters.gateways.port import ChargeRequest
from billing.adapters.gateways.simulated import SimulatedGateway
from billing.adapters.memory import InMemoryBillingUnitOfWork
from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.domain.retry_budget import RetryBudget
from billing.service_layer.billing_run import CountDueWork, NextDueAt
from billing.service_layer.budget import within_budget
from billing.service_layer.collection import CollectPending
from billing.service_layer.customers import RegisterCustomer
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.payment_methods import AddCard
from billing.service_layer.plans import DefinePlan
from billing.service_layer.registry import billing_bus
from billing.service_layer.subscriptions import StartSubscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import MessageBus
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import Topic
from shared.contracts.billing import PaymentFailed
from shared.contracts.commands import RetryPayment
from shared.money import Money
from shared.testing.memory import MemoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Billing:
    def __init__(self, budget: RetryBudget) -> None:
        self.store, self.clock, self.customer_id = MemoryStore(), TestClock(T0), ""
        self.bus: MessageBus[BillingUnitOfWork] = billing_bus(
            lambda: InMemoryBillingUnitOfWork(self.store, clock=self.clock),
            SimulatedGateway(clock=self.clock),
            ChargeLeases(owner="test", clock=self.clock, budget=budget),
        )

    async def declining_subscription(self) -> tuple[str, str]:
        customer = await self.bus.handle(RegisterCustomer(email="a@example.com", name="A", timezone="UTC"))
        await self.bus.handle(AddCard(customer.id, "pm_card_chargeDeclined"))
        await self.bus.handle(
            DefinePlan(code="pro", name="Pro", amount=1500, currency="USD", interval="month")
        )
        subscription_id = await self.bus.handle(StartSubscription(customer_id=customer.id, plan_code="pro"))
        [failed] = self.store.published(PaymentFailed)
        self.customer_id = customer.id
        return subscription_id, failed.invoice_id

    async def retry(self, invoice_id: str, subscription_id: str) -> None:
        command = RetryPayment(
            invoice_id=invoice_id, subscription_id=subscription_id, customer_id=self.customer_id,
            reason="daily", requested_at=self.clock.now(),
        )  # fmt: skip
        handler = self.bus.event_handlers(Topic.BILLING_COMMANDS)[RetryPayment]
        async with self.bus.unit_of_work() as work:
            await handler(new_event(command, source="/dunning", time=self.clock.now()), work)
            await work.commit()
        await self.bus.handle(CollectPending())

    def attempts(self) -> list[PaymentAttempt]:
        return sorted(self.store.tables["payment_attempts"].values(), key=lambda a: a.created_at)


@pytest.fixture
def billing() -> Billing:
    return Billing(RetryBudget(per_24_hours=3, per_30_days=5))


async def test_a_charge_over_the_24_hour_budget_waits_and_says_why(billing: Billing) -> None:
    subscription_id, invoice_id = await billing.declining_subscription()
    for hour in range(1, 4):
        billing.clock.move_to(T0 + timedelta(hours=hour))
        await billing.retry(invoice_id, subscription_id)

    sent = [a for a in billing.attempts() if a.status is AttemptStatus.FAILED]
    [held] = [a for a in billing.attempts() if a.status is AttemptStatus.PENDING]
    assert len(sent) == 3, "the first charge and two retries fill the 24 hours"
    assert held.not_before == T0 + timedelta(hours=24)
    assert held.held_reason is not None
    assert "3 charges in 24 hours used" in held.held_reason
    assert await billing.bus.handle(CountDueWork()) == 0, "a held charge is not due work"
    assert await billing.bus.handle(NextDueAt()) == T0 + timedelta(hours=24)

    billing.clock.move_to(T0 + timedelta(hours=24))
    await billing.bus.handle(CollectPending())

    assert [a.status for a in billing.attempts()].count(AttemptStatus.FAILED) == 4


async def test_the_30_day_budget_holds_a_charge_for_as_long_as_it_takes(billing: Billing) -> None:
    subscription_id, invoice_id = await billing.declining_subscription()
    for day in range(1, 6):
        billing.clock.move_to(T0 + timedelta(days=day))
        await billing.retry(invoice_id, subscription_id)

    statuses = [a.status for a in billing.attempts()]
    assert statuses.count(AttemptStatus.FAILED) == 5
    [held] = [a for a in billing.attempts() if a.status is AttemptStatus.PENDING]
    assert held.not_before == T0 + timedelta(days=30)
    assert held.held_reason is not None
    assert "5 charges in 30 days used" in held.held_reason


async def test_each_customers_card_has_its_own_budget_even_on_the_same_test_card(billing: Billing) -> None:
    subscription_id, invoice_id = await billing.declining_subscription()
    for hour in range(1, 3):
        billing.clock.move_to(T0 + timedelta(hours=hour))
        await billing.retry(invoice_id, subscription_id)
    first_customer = billing.customer_id

    other = await billing.bus.handle(RegisterCustomer(email="b@example.com", name="B", timezone="UTC"))
    await billing.bus.handle(AddCard(other.id, "pm_card_chargeDeclined"))
    await billing.bus.handle(StartSubscription(customer_id=other.id, plan_code="pro"))

    theirs = [a for a in billing.attempts() if a.customer_id == other.id]
    assert [a.status for a in theirs] == [AttemptStatus.FAILED], (
        "sent, though the first card's budget is spent"
    )
    assert all(
        a.status is AttemptStatus.FAILED for a in billing.attempts() if a.customer_id == first_customer
    )


async def test_the_budget_counts_the_card_of_the_customer_the_collector_read(billing: Billing) -> None:
    """The collector hands over each attempt's customer, read with the attempt: the budget
    counts that customer's card without reading the attempt again."""
    subscription_id, invoice_id = await billing.declining_subscription()
    for hour in (1, 2):
        billing.clock.move_to(T0 + timedelta(hours=hour))
        await billing.retry(invoice_id, subscription_id)
    budget = RetryBudget(per_24_hours=3, per_30_days=5)
    request = ChargeRequest(
        idempotency_key="key_next", gateway_customer="gcus", gateway_payment_method="pm_card_chargeDeclined",
        amount=Money.of(1500, "USD"), description="Invoice", metadata={},
    )  # fmt: skip

    owned = await within_budget(
        {"att_next": request}, billing.bus.unit_of_work, budget, {"att_next": billing.customer_id}
    )
    unowned = await within_budget({"att_next": request}, billing.bus.unit_of_work, budget)

    assert owned == {}, "three sends on the customer's card in 24 hours: the fourth waits"
    assert unowned == {"att_next": request}, "an attempt that is neither given nor stored counts no card"
