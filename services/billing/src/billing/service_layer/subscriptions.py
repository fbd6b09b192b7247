"""Starting, pausing, resuming and cancelling subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing.adapters.gateways.port import ChargeRequest
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.payment import Lease
from billing.domain.subscription import Subscription, SubscriptionStatus
from billing.service_layer.charging import charge_request, queue_first_attempts
from billing.service_layer.invoicing import issue_period_invoice
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.errors import DomainError, NotFound

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]


@dataclass(frozen=True)
class StartSubscription:
    customer_id: str
    plan_code: str


@dataclass(frozen=True)
class FirstCharge:
    """The first invoice's queued attempt, and what to send the gateway for it (None:
    `collect` reads and decides, e.g. when the customer has no card at the gateway yet)."""

    attempt_id: str
    request: ChargeRequest | None


async def start_subscription(
    command: StartSubscription, uow: UnitOfWorkFactory, lease: Lease | None = None
) -> tuple[Subscription, Invoice, FirstCharge | None]:
    """Create the subscription and its first invoice, and queue the first charge.

    Returns the subscription, its first invoice and the queued charge; the caller
    collects it at once so the answer can say whether the card worked. With `lease`, the
    charge is queued already held by the caller, so no collector elsewhere sends it too.
    """
    async with uow() as work:
        customer = await work.customers.get(command.customer_id)
        if customer is None:
            raise NotFound("customer_id", f"no customer {command.customer_id}")
        plan = await work.plans.get(command.plan_code)
        if plan is None:
            raise NotFound("plan_code", f"no plan {command.plan_code!r}")
        card = await work.payment_methods.default_for(customer.id)
        if card is None:
            raise DomainError("customer_id", "the customer has no payment method; add one first")
        subscription = Subscription.start(customer_id=customer.id, plan=plan, now=work.clock.now())
        await work.subscriptions.add(subscription)
        invoice = await issue_period_invoice(
            work, subscription, subscription.current_period_start, subscription.current_period_end
        )
        attempts = await queue_first_attempts(work, [(invoice, "initial")], lease=lease)
        await work.commit()
    if not attempts:
        return subscription, invoice, None
    first = attempts[0]
    return subscription, invoice, FirstCharge(first.id, charge_request(first, invoice, customer, card))


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
    for invoice in await work.invoices.for_subscription(subscription.id, after=None, limit=1000):
        if invoice.status is InvoiceStatus.OPEN:
            invoice.mark_uncollectible(now)
            await work.invoices.save(invoice)
    return subscription
