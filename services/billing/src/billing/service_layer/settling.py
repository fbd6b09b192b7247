"""Charging an invoice, step (3): settling the gateway's answers with their events.

An attempt, its invoice and its subscription change in one transaction together with the
outbox events that say so; only an attempt still pending is settled, so a second
settling of the same answer (another process's, a retry's) raises instead of publishing
a second payment event.
"""

from __future__ import annotations

from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.settlement import GatewayAnswer, settle_charge
from billing.metrics import count_payments
from billing.service_layer.unit_of_work import BillingUnitOfWork, UnitOfWorkFactory


def _other(backup: PaymentMethod | None, answer: GatewayAnswer) -> str | None:
    """The backup's id, unless it is the very card that was just declined."""
    return backup.id if backup is not None and backup.gateway_payment_method != answer.card else None


async def settle_one(work: BillingUnitOfWork, attempt: PaymentAttempt, answer: GatewayAnswer) -> None:
    """Settle one attempt inside the caller's transaction (which commits it)."""
    invoice = await work.invoices.get(attempt.invoice_id, lock=True)
    subscription = await work.subscriptions.get(attempt.subscription_id)
    assert invoice is not None
    assert subscription is not None
    backup = (await work.payment_methods.backups_for([attempt.customer_id])).get(attempt.customer_id)
    settle_charge(attempt, invoice, subscription, answer, work.clock.now(), _other(backup, answer))
    await work.attempts.save(attempt)
    await work.invoices.save(invoice)
    await work.subscriptions.save(subscription)


async def settle_many(uow: UnitOfWorkFactory, charged: dict[str, GatewayAnswer]) -> list[PaymentAttempt]:
    """A batch's answers in one transaction: a renewal day settles thousands of charges."""
    async with uow() as work:
        now = work.clock.now()
        attempts = [
            a for a in await work.attempts.get_many(list(charged)) if a.status is AttemptStatus.PENDING
        ]
        invoices = await work.invoices.get_many({a.invoice_id for a in attempts}, lock=True)
        subscriptions = await work.subscriptions.get_many({a.subscription_id for a in attempts})
        declined = {a.customer_id for a in attempts if not charged[a.id].succeeded}
        backups = await work.payment_methods.backups_for(declined) if declined else {}
        for attempt in attempts:
            invoice, subscription = invoices[attempt.invoice_id], subscriptions[attempt.subscription_id]
            answer, backup = charged[attempt.id], backups.get(attempt.customer_id)
            settle_charge(attempt, invoice, subscription, answer, now, _other(backup, answer))
        await work.attempts.save_many(attempts)
        await work.invoices.save_many(list(invoices.values()))
        await work.subscriptions.save_many(list(subscriptions.values()))
        await work.commit()
    count_payments(attempts)
    return attempts
