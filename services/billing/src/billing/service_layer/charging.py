"""Charging an invoice, step (1): queue an attempt, and say what the gateway is sent.

Gateway calls never happen inside a database transaction: a slow gateway must not hold
locks. So a charge is three steps. (1) In a transaction, queue a pending attempt; at
most one attempt per invoice is pending at a time, which the invoice row lock
guarantees. (2) Holding the attempt's lease (`leases`), call the gateway with its
idempotency key; only the lease holder sends it. (3) In a transaction, settle the
attempt and what follows from it (`billing.domain.settlement`). A crash between (2) and
(3) leaves a pending attempt whose lease runs out; another process then sends it again
with the same key, and the gateway answers with the first outcome.
"""

from __future__ import annotations

from typing import TypeVar

from billing.adapters.gateways.port import (
    ChargeRequest,
)
from billing.domain.customer import Customer
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.payment import Lease, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.service_layer.unit_of_work import BillingUnitOfWork

NO_PAYMENT_METHOD = "no_payment_method"
CONFLICT_TRIES = 3
T = TypeVar("T")


async def queue_attempt(
    uow: BillingUnitOfWork,
    invoice: Invoice,
    *,
    reason: str,
    idempotency_key: str | None = None,
    card: str | None = None,
) -> PaymentAttempt | None:
    """Queue a charge of an open invoice, inside the caller's transaction.

    Returns None when the invoice is not open or another attempt is already pending,
    so a retry command that races a card update never charges twice. An invoice issued
    in the caller's transaction has no attempts to look up: use `queue_first_attempts`.
    """
    if invoice.status is not InvoiceStatus.OPEN:
        return None
    if idempotency_key and await uow.attempts.by_idempotency_key(idempotency_key):
        return None
    if await uow.attempts.pending_for_invoice(invoice.id):
        return None
    attempt = _begin(
        invoice, reason, await uow.attempts.count_for_invoice(invoice.id) + 1, uow, idempotency_key, None
    )
    attempt.gateway_payment_method = card  # None: the default card when it is sent
    await uow.attempts.add(attempt)
    return attempt


async def queue_first_attempts(
    uow: BillingUnitOfWork, invoices: list[tuple[Invoice, str]], *, lease: Lease | None = None
) -> list[PaymentAttempt]:
    """Queue the first charge of each open invoice issued in this same transaction.

    They have no attempts yet, so none are looked up, and all are stored with one
    insert: a renewal day queues thousands of first charges. With `lease`, the attempts
    are already held by the caller, which sends them at once; otherwise the collector of
    whichever replica claims them does.
    """
    attempts = [
        _begin(invoice, reason, 1, uow, None, lease)
        for invoice, reason in invoices
        if invoice.status is InvoiceStatus.OPEN
    ]
    await uow.attempts.add_many(attempts)
    return attempts


def _begin(
    invoice: Invoice,
    reason: str,
    number: int,
    uow: BillingUnitOfWork,
    idempotency_key: str | None,
    lease: Lease | None,
) -> PaymentAttempt:
    return PaymentAttempt.begin(
        invoice_id=invoice.id,
        subscription_id=invoice.subscription_id,
        customer_id=invoice.customer_id,
        attempt_number=number,
        amount=invoice.total,
        context=invoice.context,
        reason=reason,
        now=uow.clock.now(),
        idempotency_key=idempotency_key,
        lease=lease,
    )


def charge_request(
    attempt: PaymentAttempt, invoice: Invoice, customer: Customer, method: PaymentMethod
) -> ChargeRequest | None:
    """What the gateway is sent for an attempt (None: the customer has no card there yet).
    The attempt's key makes sending it again a no-op."""
    if customer.gateway_customer is None:
        return None
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
