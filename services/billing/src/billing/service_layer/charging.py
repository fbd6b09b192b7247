"""Charging an invoice: queue an attempt, call the gateway, settle the outcome.

Gateway calls never happen inside a database transaction: a slow gateway must not hold
locks. So a charge is three steps. (1) In a transaction, queue a pending attempt; at
most one attempt per invoice is pending at a time, which the invoice row lock
guarantees. (2) Call the gateway with the attempt's idempotency key. (3) In a
transaction, settle the attempt and what follows from it. A crash between (2) and (3)
leaves a pending attempt, charged again later with the same key: the gateway answers
with the first outcome instead of charging twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from billing.adapters.gateways.port import (
    ChargeRequest,
    ChargeResult,
    GatewayUnavailable,
    PaymentGateway,
)
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.billing import ChargeContext

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]
NO_PAYMENT_METHOD = "no_payment_method"


async def queue_attempt(
    uow: BillingUnitOfWork,
    invoice: Invoice,
    *,
    reason: str,
    idempotency_key: str | None = None,
) -> PaymentAttempt | None:
    """Queue a charge of an open invoice, inside the caller's transaction.

    Returns None when the invoice is not open or another attempt is already pending,
    so a retry command that races a card update never charges twice.
    """
    if invoice.status is not InvoiceStatus.OPEN:
        return None
    if idempotency_key and await uow.attempts.by_idempotency_key(idempotency_key):
        return None
    if await uow.attempts.pending_for_invoice(invoice.id):
        return None
    attempt = PaymentAttempt.begin(
        invoice_id=invoice.id,
        subscription_id=invoice.subscription_id,
        customer_id=invoice.customer_id,
        attempt_number=await uow.attempts.count_for_invoice(invoice.id) + 1,
        amount=invoice.total,
        context=invoice.context,
        reason=reason,
        now=uow.clock.now(),
        idempotency_key=idempotency_key,
    )
    await uow.attempts.add(attempt)
    return attempt


async def _prepare(attempt_id: str, uow: UnitOfWorkFactory) -> ChargeRequest | None:
    async with uow() as work:
        attempt = await work.attempts.get(attempt_id)
        if attempt is None or attempt.status is not AttemptStatus.PENDING:
            return None
        invoice = await work.invoices.get(attempt.invoice_id)
        customer = await work.customers.get(attempt.customer_id)
        method = await work.payment_methods.default_for(attempt.customer_id)
        if invoice is None or invoice.status is not InvoiceStatus.OPEN:
            attempt.cancel(work.clock.now())
            await work.attempts.save(attempt)
            await work.commit()
            return None
        if method is None or customer is None or customer.gateway_customer is None:
            await _settle(work, attempt, ChargeResult(False, None, NO_PAYMENT_METHOD, "no card on file"))
            await work.commit()
            return None
        if attempt.gateway_payment_method != method.gateway_payment_method:
            attempt.gateway_payment_method = method.gateway_payment_method
            await work.attempts.save(attempt)
            await work.commit()
        return ChargeRequest(
            idempotency_key=attempt.idempotency_key,
            gateway_customer=customer.gateway_customer,
            gateway_payment_method=method.gateway_payment_method,
            amount=attempt.amount,
            description=f"Invoice {invoice.number}",
            metadata={
                "attempt_id": attempt.id,
                "invoice_id": invoice.id,
                "subscription_id": invoice.subscription_id,
            },
        )


async def _settle(work: BillingUnitOfWork, attempt: PaymentAttempt, result: ChargeResult) -> None:
    now: datetime = work.clock.now()
    invoice = await work.invoices.get(attempt.invoice_id, lock=True)
    subscription = await work.subscriptions.get(attempt.subscription_id)
    assert invoice is not None
    assert subscription is not None
    if result.succeeded:
        attempt.succeed(gateway_reference=result.gateway_reference, at=now)
        invoice.mark_paid(now)
        subscription.mark_paid_up()
    else:
        decline = result.decline_code or "card_declined"
        attempt.fail(
            decline_code=decline,
            message=result.decline_message,
            gateway_reference=result.gateway_reference,
            at=now,
        )
        if invoice.context is ChargeContext.BEACH_FEE:
            invoice.mark_uncollectible(now)  # never dunned: the pause just continues
        else:
            subscription.mark_past_due(invoice.id, decline)
    await work.attempts.save(attempt)
    await work.invoices.save(invoice)
    await work.subscriptions.save(subscription)


async def collect(attempt_id: str, uow: UnitOfWorkFactory, gateway: PaymentGateway) -> PaymentAttempt | None:
    """Charge a queued attempt and settle it; returns the settled attempt.

    Returns None if it was not pending, or if the gateway's answer is unknown (the
    attempt stays pending and is collected again later with the same key).
    """
    request = await _prepare(attempt_id, uow)
    if request is None:
        return None
    try:
        result = await gateway.charge(request)
    except GatewayUnavailable:
        return None
    async with uow() as work:
        attempt = await work.attempts.get(attempt_id)
        if attempt is None or attempt.status is not AttemptStatus.PENDING:
            return attempt
        await _settle(work, attempt, result)
        await work.commit()
        return attempt
