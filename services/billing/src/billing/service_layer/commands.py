"""Billing's side of `billing.commands` and `pause.events`, registered on the bus by
contract class.

These run inside the consumer's unit of work (with the inbox claim), so they only
change state and queue charges; the collector makes the gateway calls afterwards.
"""

from __future__ import annotations

from billing.domain.subscription import Subscription, SubscriptionStatus
from billing.service_layer.charging import queue_attempt, queue_first_attempts
from billing.service_layer.invoicing import issue_period_invoice
from billing.service_layer.subscriptions import cancel_subscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.commands import CancelSubscription, RetryPayment
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted


async def retry_payment(event: CloudEvent[RetryPayment], work: BillingUnitOfWork) -> None:
    """Queue a new attempt on the open invoice with the current default card.

    The idempotency key comes from the command's id: the same command, however often
    delivered, is at most one charge.
    """
    command = event.data
    invoice = await work.invoices.get(command.invoice_id, lock=True)
    if invoice is None:
        raise LookupError(f"payment.retry for unknown invoice {command.invoice_id}")
    await queue_attempt(work, invoice, reason=f"retry:{command.reason}", idempotency_key=f"cmd-{event.id}")


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


OPEN_TO_A_PAUSE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


async def pause_started(event: CloudEvent[PauseStarted], work: BillingUnitOfWork) -> None:
    data = event.data
    subscription = await _newest_pause_fact(work, data)
    if subscription is None:
        return
    if subscription.status in OPEN_TO_A_PAUSE:  # not canceled meanwhile, nor already paused
        subscription.pause(
            pause_id=data.pause_id, at=data.starts_at, resumes_at=data.resumes_at, fee=data.fee_per_month
        )
    await work.subscriptions.save(subscription)


async def pause_scheduled(event: CloudEvent[PauseScheduled], work: BillingUnitOfWork) -> None:
    data = event.data
    subscription = await _newest_pause_fact(work, data)
    if subscription is None:
        return
    if subscription.status in OPEN_TO_A_PAUSE:
        subscription.schedule_pause(data.pause_id, data.starts_at)
    await work.subscriptions.save(subscription)


async def pause_extended(event: CloudEvent[PauseExtended], work: BillingUnitOfWork) -> None:
    """Longer on the beach. The event says the whole pause, so if it is the newest fact
    while its `pause.started` is still on its way, it starts the pause itself."""
    data = event.data
    subscription = await _newest_pause_fact(work, data)
    if subscription is None:
        return
    running = data.running and data.starts_at is not None
    if running and subscription.status in OPEN_TO_A_PAUSE:
        assert data.starts_at is not None
        subscription.pause(
            pause_id=data.pause_id, at=data.starts_at, resumes_at=data.resumes_at, fee=data.fee_per_month
        )
    elif data.running is False and data.starts_at and subscription.status in OPEN_TO_A_PAUSE:
        subscription.schedule_pause(data.pause_id, data.starts_at)
    if subscription.status is SubscriptionStatus.PAUSED:
        subscription.extend_pause(data.pause_id, data.resumes_at)
    await work.subscriptions.save(subscription)


async def pause_ended(
    event: CloudEvent[PauseEnded] | CloudEvent[PauseCanceled], work: BillingUnitOfWork
) -> None:
    """Back from the beach: a new period starts on the resume date, charged at once."""
    data = event.data
    subscription = await _newest_pause_fact(work, data)
    if subscription is None:
        return
    if subscription.status is not SubscriptionStatus.PAUSED or subscription.pause_id != data.pause_id:
        subscription.drop_scheduled_pause(data.pause_id)  # called off before it began, or not this one
        await work.subscriptions.save(subscription)
        return
    at = data.ended_at if isinstance(data, PauseEnded) else data.canceled_at
    subscription.resume(at=at, pause_id=data.pause_id)
    await work.subscriptions.save(subscription)
    invoice = await issue_period_invoice(
        work, subscription, subscription.current_period_start, subscription.current_period_end
    )
    await queue_first_attempts(work, [(invoice, "resume")])
