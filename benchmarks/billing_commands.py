"""Billing's consumer of `billing.commands`: dunning's `subscription.cancel` at the end of
a window, applied to subscriptions written in bulk beforehand.

A cancel is the command a bad month sends most of at once: every case whose window ends
that day. Each one locks its subscription, cancels it and writes `subscription.canceled`
to the outbox, in the consumer's batch transaction, as in production.
"""

from __future__ import annotations

from datetime import timedelta

from benchmarks.billing_setup import START, due_base, insert_rows, monthly_plan
from benchmarks.consumers import NOW, AnyService, Subject
from billing.adapters.gateways.simulated import SimulatedGateway
from billing.adapters.orm import customers, payment_methods, subscriptions
from billing.adapters.unit_of_work import SqlBillingUnitOfWork
from billing.bootstrap import bootstrap, gateway_for
from billing.domain.subscription import SubscriptionStatus
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.contracts.base import EventData
from shared.contracts.commands import CancelSubscription
from shared.testing.services import settings_for

MID_PERIOD = START + timedelta(days=10)
"""The service's clock: inside every first period, so its billing run has nothing to renew."""


def cancel(n: int) -> EventData:
    return CancelSubscription(
        subscription_id=f"sub_{n:09d}", customer_id=f"cus_{n:09d}", reason="dunning window ended",
        requested_by="dunning", case_id=f"case_{n:09d}", requested_at=NOW,
    )  # fmt: skip


def service(database_url: str, servers: str) -> AnyService:
    settings = settings_for(
        BillingSettings, BILLING_DATABASE_URL=database_url, KAFKA_BOOTSTRAP_SERVERS=servers
    )
    return bootstrap(settings, clock=TestClock(MID_PERIOD))


async def active_subscriptions(billing: AnyService, n: int) -> None:
    """`n` active subscriptions with the ids the commands name, a customer and card each."""
    uow = billing.infra.unit_of_work(SqlBillingUnitOfWork)
    plan = monthly_plan()
    async with uow() as work:
        await work.plans.add(plan, START)
        await work.commit()
    gateway = gateway_for(billing.settings, billing.infra.clock, billing.engine)
    assert isinstance(gateway, SimulatedGateway), "the benchmark charges nothing: the default gateway"
    base = await due_base(n, plan, gateway)
    for i, (customer, method, subscription) in enumerate(
        zip(base.customers, base.payment_methods, base.subscriptions, strict=True)
    ):
        customer["id"] = method["customer_id"] = subscription["customer_id"] = f"cus_{i:09d}"
        subscription["id"] = f"sub_{i:09d}"
    await insert_rows(billing.engine, customers, base.customers)
    await insert_rows(billing.engine, payment_methods, base.payment_methods)
    await insert_rows(billing.engine, subscriptions, base.subscriptions)


BILLING = Subject(
    "billing", "`subscription.cancel` → subscription canceled", cancel, service, subscriptions,
    topic="billing.commands", prepare=active_subscriptions,
    applied_when=subscriptions.c.status == SubscriptionStatus.CANCELED.value,
)  # fmt: skip
