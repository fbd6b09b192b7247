"""Billing's side of `billing.commands` and `pause.events`, registered on the bus by
contract class.

These run inside the consumer's unit of work (with the inbox claim), so they only
change state and queue charges; the collector makes the gateway calls afterwards.
"""

from __future__ import annotations

from billing.domain import pause_facts
from billing.domain.subscription import Subscription
from billing.service_layer.charging import queue_attempt, queue_first_attempts
from billing.service_layer.invoicing import issue_period_invoice
from billing.service_layer.subscriptions import cancel_subscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.commands import CancelSubscription, RetryPayment
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted


async def retry_payment(event: CloudEvent[RetryPayment], work: BillingUnitOfWork) -> None:
    """Queue a new attempt on the open invoice with the current default card, or the
    customer's backup card when dunning names it.

    The idempotency key comes from the command's id: the same command, however often
    delivered, is at most one charge.
    """
    command = event.data
    invoice = await work.invoices.get(command.invoice_id, lock=True)
    if invoice is None:
        raise LookupError(f"payment.retry for unknown invoice {command.invoice_id}")
    card = None
    if command.payment_method_id:  # a backup card: only ever one of this customer's own
        cards = await work.payment_methods.of_customer(invoice.customer_id)
        card = next((c.gateway_payment_method for c in cards if c.id == command.payment_method_id), None)
    await queue_attempt(
        work, invoice, reason=f"retry:{command.reason}", idempotency_key=f"cmd-{event.id}", card=card
    )


async def cancel(event: CloudEvent[CancelSubscription], work: BillingUnitOfWork) -> None:
    command = event.data
    await cancel_subscription(
        work, command.subscription_id, reason=command.reason, requested_by=command.requested_by
    )


async def _newest_pause_fact(
    work: BillingUnitOfWork, data: PauseScheduled | PauseStarted | PauseExtended | PauseEnded | PauseCanceled
) -> Subscription | None:
    """The subscription, locked, if this pause fact is newer than what it already knows."""
    subscription = await work.subscriptions.get(data.subscription_id, lock=True)
    if subscription is None or not subscription.take_pause_fact(data.sequence):
        return None
    return subscription


async def pause_started(event: CloudEvent[PauseStarted], work: BillingUnitOfWork) -> None:
    if subscription := await _newest_pause_fact(work, event.data):
        pause_facts.pause_started(subscription, event.data)
        await work.subscriptions.save(subscription)


async def pause_scheduled(event: CloudEvent[PauseScheduled], work: BillingUnitOfWork) -> None:
    if subscription := await _newest_pause_fact(work, event.data):
        pause_facts.pause_scheduled(subscription, event.data)
        await work.subscriptions.save(subscription)


async def pause_extended(event: CloudEvent[PauseExtended], work: BillingUnitOfWork) -> None:
    if subscription := await _newest_pause_fact(work, event.data):
        pause_facts.pause_extended(subscription, event.data)
        await work.subscriptions.save(subscription)


async def pause_ended(
    event: CloudEvent[PauseEnded] | CloudEvent[PauseCanceled], work: BillingUnitOfWork
) -> None:
    """Back from the beach: a new period starts on the resume date, charged at once."""
    data = event.data
    if not (subscription := await _newest_pause_fact(work, data)):
        return
    at = data.ended_at if isinstance(data, PauseEnded) else data.canceled_at
    resumed = pause_facts.pause_ended(subscription, data.pause_id, at)
    await work.subscriptions.save(subscription)
    if resumed:
        start, end = subscription.current_period_start, subscription.current_period_end
        await queue_first_attempts(
            work, [(await issue_period_invoice(work, subscription, start, end), "resume")]
        )
