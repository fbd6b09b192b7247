"""A renewal day's starting point, written in bulk: N customers with a card each, one
monthly plan and N active subscriptions whose first period is over.

The rows are the ones the service writes (the domain's constructors, the repositories'
column mapping, the simulated gateway's customer and card references); only the
statements differ: executemany in large chunks instead of one request per customer.
The first period's invoice and charge, and the outbox events, are left out: the billing
run reads none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.gateways.simulated import SimulatedGateway
from billing.adapters.orm import customers, payment_methods, subscriptions
from billing.adapters.repositories.subscriptions import _subscription_values
from billing.domain.customer import Customer
from billing.domain.payment_method import PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription
from billing.service_layer.unit_of_work import UnitOfWorkFactory

START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 3, tzinfo=UTC)
"""The run's fixed moment: every first period (January, started over January 1st) is over."""
CARD = "pm_card_visa"
CHUNK = 5000


@dataclass
class DueBase:
    customers: list[dict[str, object]]
    payment_methods: list[dict[str, object]]
    subscriptions: list[dict[str, object]]


def monthly_plan() -> Plan:
    return Plan.define(code="monthly", name="Monthly", amount=1500, currency="EUR", interval="month")


def _row(thing: Customer | PaymentMethod) -> dict[str, object]:
    """What `SqlCustomerRepository.add` and `SqlPaymentMethodRepository.add_default` insert."""
    return {k: v for k, v in thing.__dict__.items() if k != "events"}


async def due_base(n: int, plan: Plan, gateway: SimulatedGateway) -> DueBase:
    base = DueBase([], [], [])
    for i in range(n):
        joined = START + timedelta(seconds=i * 86_400 // n)
        customer = Customer.register(
            email=f"c{i}@example.com", name=f"Customer {i}", timezone="UTC", now=joined
        )
        customer.gateway_customer = await gateway.register_customer(
            customer.id, customer.email, customer.name
        )
        card = await gateway.attach_payment_method(customer.gateway_customer, CARD)
        method = PaymentMethod.add_default(
            customer_id=customer.id, gateway_payment_method=card.gateway_payment_method, brand=card.brand,
            last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year, source="customer", now=joined,
        )  # fmt: skip
        subscription = Subscription.start(customer_id=customer.id, plan=plan, now=joined)
        base.customers.append(_row(customer))
        base.payment_methods.append(_row(method))
        base.subscriptions.append(_subscription_values(subscription))
    return base


async def insert_rows(engine: AsyncEngine, table: Table, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with engine.begin() as conn:
            await conn.execute(insert(table), rows[start : start + CHUNK])


async def write_due_base(
    engine: AsyncEngine, uow: UnitOfWorkFactory, gateway: SimulatedGateway, n: int
) -> None:
    """Set up `n` subscriptions due at `NOW`; checks the service sees all of them as due."""
    plan = monthly_plan()
    async with uow() as work:
        await work.plans.add(plan, START)
        await work.commit()
    base = await due_base(n, plan, gateway)
    await insert_rows(engine, customers, base.customers)
    await insert_rows(engine, payment_methods, base.payment_methods)
    await insert_rows(engine, subscriptions, base.subscriptions)
    async with uow().read_only() as work:
        due = await work.subscriptions.count_due(NOW)
    assert due == n, f"{due} of {n} subscriptions due"
