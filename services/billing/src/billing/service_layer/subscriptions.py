"""Starting, pausing, resuming and cancelling subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from billing.adapters.gateways.port import PaymentGateway
from billing.domain.subscription import Subscription, SubscriptionStatus
from billing.service_layer.charging import charge_request, queue_first_attempts
from billing.service_layer.collection import collect
from billing.service_layer.invoicing import issue_period_invoice
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.unit_of_work import BillingUnitOfWork, UnitOfWorkFactory
from shared.bus import Command, Query
from shared.errors import DomainError, NotFound


@dataclass(frozen=True)
class StartSubscription(Command[str]):
    """Start a subscription and charge its first period at once; answers its id."""

    customer_id: str
    plan_code: str


@dataclass(frozen=True)
class CancelSubscriptionNow(Command[Subscription]):
    subscription_id: str
    reason: str | None
    requested_by: str


@dataclass(frozen=True)
class ShowSubscription(Query[Subscription]):
    subscription_id: str


class SubscriptionHandlers:
    """Starting needs the gateway: the first charge is sent once the subscription is
    committed, by this process, which holds its lease, so the answer can say whether the
    card worked and no collector elsewhere sends it too."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway, leases: ChargeLeases) -> None:
        self.uow, self.gateway, self.leases = uow, gateway, leases

    async def start(self, command: StartSubscription, work: BillingUnitOfWork) -> str:
        found = await work.customers.with_default_card(command.customer_id)
        if found is None:
            raise NotFound("customer_id", f"no customer {command.customer_id}")
        customer, card = found
        plan = await work.plans.get(command.plan_code)
        if plan is None:
            raise NotFound("plan_code", f"no plan {command.plan_code!r}")
        if card is None:
            raise DomainError("customer_id", "the customer has no payment method; add one first")
        subscription = Subscription.start(customer_id=customer.id, plan=plan, now=work.clock.now())
        await work.subscriptions.add(subscription)
        invoice = await issue_period_invoice(
            work, subscription, subscription.current_period_start, subscription.current_period_end
        )
        for first in await queue_first_attempts(work, [(invoice, "initial")], lease=self.leases.new()):
            request = charge_request(first, invoice, customer, card)
            prepared = {first.id: request} if request else None
            owners = {first.id: first.customer_id}
            work.after_commit(
                partial(
                    collect, [first.id], self.uow, self.gateway, self.leases, prepared=prepared, owners=owners
                )
            )
        return subscription.id

    async def cancel(self, command: CancelSubscriptionNow, work: BillingUnitOfWork) -> Subscription:
        return await cancel_subscription(
            work, command.subscription_id, reason=command.reason, requested_by=command.requested_by
        )


async def show_subscription(query: ShowSubscription, work: BillingUnitOfWork) -> Subscription:
    subscription = await work.subscriptions.get(query.subscription_id)
    if subscription is None:
        raise NotFound("subscription_id", f"no subscription {query.subscription_id}")
    return subscription


async def cancel_subscription(
    work: BillingUnitOfWork, subscription_id: str, *, reason: str | None, requested_by: str
) -> Subscription:
    """Cancel now; an invoice still open can no longer be collected."""
    subscription = await work.subscriptions.get(subscription_id, lock=True)
    if subscription is None:
        raise NotFound("subscription_id", f"no subscription {subscription_id}")
    if subscription.status is SubscriptionStatus.CANCELED:
        return subscription
    now = work.clock.now()
    subscription.cancel(at=now, reason=reason, requested_by=requested_by)
    await work.subscriptions.save(subscription)
    for invoice in await work.invoices.open_for_subscription(subscription.id):
        invoice.mark_uncollectible(now)
        await work.invoices.save(invoice)
    return subscription
