"""Billing's use cases through its bus, on the in-memory unit of work: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.adapters.gateways.simulated import SimulatedGateway
from billing.adapters.memory import InMemoryBillingUnitOfWork
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription, SubscriptionStatus
from billing.service_layer.customers import RegisterCustomer
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.plans import DefinePlan
from billing.service_layer.registry import billing_bus
from billing.service_layer.subscriptions import StartSubscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import MessageBus
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import Topic
from shared.contracts.billing import CustomerCreated, SubscriptionPaused
from shared.contracts.pause import PauseStarted
from shared.errors import Conflict, DomainError
from shared.money import Money
from shared.testing.memory import MemoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRO = DefinePlan(code="pro", name="Pro", amount=1500, currency="USD", interval="month")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def bus(store: MemoryStore) -> MessageBus[BillingUnitOfWork]:
    clock = TestClock(T0)
    return billing_bus(
        lambda: InMemoryBillingUnitOfWork(store, clock=clock),
        SimulatedGateway(clock=clock),
        ChargeLeases(owner="test", clock=clock),
    )


async def test_registering_a_customer_publishes_customer_created(
    bus: MessageBus[BillingUnitOfWork], store: MemoryStore
) -> None:
    customer = await bus.handle(RegisterCustomer(email="ada@example.com", name="Ada", timezone="UTC"))
    [created] = store.published(CustomerCreated)
    assert isinstance(created, CustomerCreated)
    assert created.customer_id == customer.id


async def test_a_plan_is_defined_once(bus: MessageBus[BillingUnitOfWork]) -> None:
    await bus.handle(PRO)
    with pytest.raises(Conflict) as refused:
        await bus.handle(PRO)
    assert refused.value.field == "code"


async def test_a_subscription_needs_a_card_on_file(
    bus: MessageBus[BillingUnitOfWork], store: MemoryStore
) -> None:
    customer = await bus.handle(RegisterCustomer(email="ada@example.com", name="Ada", timezone="UTC"))
    await bus.handle(PRO)
    with pytest.raises(DomainError) as refused:
        await bus.handle(StartSubscription(customer_id=customer.id, plan_code="pro"))
    assert refused.value.field == "customer_id"
    assert store.tables.get("subscriptions", {}) == {}


async def test_a_started_pause_puts_the_subscription_on_the_beach(
    bus: MessageBus[BillingUnitOfWork], store: MemoryStore
) -> None:
    plan = Plan.define(code="pro", name="Pro", amount=1500, currency="USD", interval="month")
    subscription = Subscription.start(customer_id="cus_1", plan=plan, now=T0)
    async with bus.unit_of_work() as work:
        await work.subscriptions.add(subscription)
        await work.commit()
    started = PauseStarted(
        pause_id="pau_1",
        subscription_id=subscription.id,
        customer_id="cus_1",
        starts_at=T0 + timedelta(days=3),
        resumes_at=T0 + timedelta(days=93),
        fee_per_month=Money.of(300, "USD"),
    )
    event = new_event(started, source="/pause", time=T0)

    async with bus.unit_of_work() as work:
        await bus.event_handlers(Topic.PAUSE_EVENTS)[PauseStarted](event, work)
        await work.commit()

    async with bus.unit_of_work() as work:
        paused = await work.subscriptions.get(subscription.id)
    assert paused is not None
    assert paused.status is SubscriptionStatus.PAUSED
    assert paused.pause_id == "pau_1"
    [fact] = store.published(SubscriptionPaused)
    assert isinstance(fact, SubscriptionPaused)
    assert fact.subscription_id == subscription.id
