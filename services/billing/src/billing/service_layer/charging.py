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

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from billing.adapters.gateways.port import (
    ChargeRequest,
    ChargeResult,
    GatewayUnavailable,
    PaymentGateway,
)
from billing.domain.customer import Customer
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.subscription import Subscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.concurrency import bounded_map
from shared.contracts.billing import ChargeContext
from shared.failures import ConcurrentUpdate

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]
NO_PAYMENT_METHOD = "no_payment_method"
CONFLICT_TRIES = 3
T = TypeVar("T")


@dataclass(frozen=True)
class _Charged:
    """A gateway's answer, with the card it was asked to charge (None: none was)."""

    card: str | None
    result: ChargeResult


async def queue_attempt(
    uow: BillingUnitOfWork,
    invoice: Invoice,
    *,
    reason: str,
    idempotency_key: str | None = None,
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
        invoice, reason, await uow.attempts.count_for_invoice(invoice.id) + 1, uow, idempotency_key
    )
    await uow.attempts.add(attempt)
    return attempt


async def queue_first_attempts(
    uow: BillingUnitOfWork, invoices: list[tuple[Invoice, str]]
) -> list[PaymentAttempt]:
    """Queue the first charge of each open invoice issued in this same transaction.

    They have no attempts yet, so none are looked up, and all are stored with one
    insert: a renewal day queues thousands of first charges.
    """
    attempts = [
        _begin(invoice, reason, 1, uow, None)
        for invoice, reason in invoices
        if invoice.status is InvoiceStatus.OPEN
    ]
    await uow.attempts.add_many(attempts)
    return attempts


def _begin(
    invoice: Invoice, reason: str, number: int, uow: BillingUnitOfWork, idempotency_key: str | None
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
    )


async def _prepare(attempt_ids: list[str], uow: UnitOfWorkFactory) -> tuple[dict[str, ChargeRequest], int]:
    """Step (1b), for a batch in one transaction: what to send the gateway for each attempt.

    Attempts that cannot be charged are settled here (no card: failed; invoice no longer
    open: canceled). Answers the requests, and how many attempts were settled here.
    """
    requests: dict[str, ChargeRequest] = {}
    settled_here = 0
    async with uow() as work:
        attempts = [a for a in await work.attempts.get_many(attempt_ids) if a.status is AttemptStatus.PENDING]
        if not attempts:
            return requests, 0
        invoices = await work.invoices.get_many({a.invoice_id for a in attempts})
        customers = await work.customers.get_many({a.customer_id for a in attempts})
        methods = await work.payment_methods.defaults_for({a.customer_id for a in attempts})
        for attempt in attempts:
            invoice = invoices.get(attempt.invoice_id)
            customer = customers.get(attempt.customer_id)
            method = methods.get(attempt.customer_id)
            if invoice is None or invoice.status is not InvoiceStatus.OPEN:
                attempt.cancel(work.clock.now())
                await work.attempts.save(attempt)
                settled_here += 1
                continue
            request = charge_request(attempt, invoice, customer, method) if customer and method else None
            if request is None:
                no_card = ChargeResult(False, None, NO_PAYMENT_METHOD, "no card on file")
                await _settle(work, attempt, _Charged(None, no_card))
                settled_here += 1
                continue
            requests[attempt.id] = request
        await work.commit()
    return requests, settled_here


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


def _apply(
    attempt: PaymentAttempt, invoice: Invoice, subscription: Subscription, charged: _Charged, now: datetime
) -> None:
    """What a gateway answer means for the attempt, its invoice and its subscription."""
    result = charged.result
    attempt.gateway_payment_method = charged.card
    if result.succeeded:
        attempt.succeed(gateway_reference=result.gateway_reference, at=now)
        invoice.mark_paid(now)
        subscription.mark_paid_up()
        return
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


async def _settle(work: BillingUnitOfWork, attempt: PaymentAttempt, charged: _Charged) -> None:
    invoice = await work.invoices.get(attempt.invoice_id, lock=True)
    subscription = await work.subscriptions.get(attempt.subscription_id)
    assert invoice is not None
    assert subscription is not None
    _apply(attempt, invoice, subscription, charged, work.clock.now())
    await work.attempts.save(attempt)
    await work.invoices.save(invoice)
    await work.subscriptions.save(subscription)


async def _settle_many(uow: UnitOfWorkFactory, charged: dict[str, _Charged]) -> list[PaymentAttempt]:
    """Step (3) for a batch, in one transaction: a renewal day settles thousands of charges."""
    async with uow() as work:
        now = work.clock.now()
        attempts = [
            a for a in await work.attempts.get_many(list(charged)) if a.status is AttemptStatus.PENDING
        ]
        invoices = await work.invoices.get_many({a.invoice_id for a in attempts}, lock=True)
        subscriptions = await work.subscriptions.get_many({a.subscription_id for a in attempts})
        for attempt in attempts:
            invoice, subscription = invoices[attempt.invoice_id], subscriptions[attempt.subscription_id]
            _apply(attempt, invoice, subscription, charged[attempt.id], now)
        await work.attempts.save_many(attempts)
        await work.invoices.save_many(list(invoices.values()))
        await work.subscriptions.save_many(list(subscriptions.values()))
        await work.commit()
        return attempts


async def _settle_one(uow: UnitOfWorkFactory, attempt_id: str, charged: _Charged) -> PaymentAttempt | None:
    async def settle() -> PaymentAttempt | None:
        async with uow() as work:
            attempt = await work.attempts.get(attempt_id)
            if attempt is None or attempt.status is not AttemptStatus.PENDING:
                return attempt  # settled by another collector: its outcome stands
            await _settle(work, attempt, charged)
            await work.commit()
            return attempt

    return await _again_on_conflict(settle)


async def _again_on_conflict(step: Callable[[], Awaitable[T]]) -> T:
    """Run a read-decide-write step again if another process changed its rows first.

    The next read sees what the other process wrote (an attempt it settled, a
    subscription it renewed), so the step decides again on fresh state.
    """
    for _ in range(CONFLICT_TRIES - 1):
        with contextlib.suppress(ConcurrentUpdate):
            return await step()
    return await step()


async def _charge(gateway: PaymentGateway, request: ChargeRequest) -> _Charged | None:
    """Step (2); None when the answer is unknown: the attempt stays pending."""
    try:
        return _Charged(request.gateway_payment_method, await gateway.charge(request))
    except GatewayUnavailable:
        return None


async def collect_many(
    attempt_ids: list[str], uow: UnitOfWorkFactory, gateway: PaymentGateway, *, concurrency: int = 8
) -> int:
    """Charge queued attempts and settle them; answers how many are no longer pending.

    Reading and settling are one transaction each for the whole batch; the gateway calls
    run `concurrency` at a time between them. An attempt whose answer is unknown (the
    gateway is unavailable) stays pending and is charged again later with the same key.
    If another process changed one of the subscriptions or attempts meanwhile, each
    attempt is settled on its own instead, so one conflict does not hold back the rest.
    """
    requests, done = await _again_on_conflict(lambda: _prepare(attempt_ids, uow))
    charged: dict[str, _Charged] = {}

    async def charge(attempt_id: str) -> None:
        if (outcome := await _charge(gateway, requests[attempt_id])) is not None:
            charged[attempt_id] = outcome

    await bounded_map(charge, requests, at_once=concurrency)
    if not charged:
        return done
    try:
        return done + len(await _settle_many(uow, charged))
    except ConcurrentUpdate:
        settled = [await _settle_one(uow, i, outcome) for i, outcome in charged.items()]
        return done + sum(1 for a in settled if a is not None)


async def collect(
    attempt_id: str,
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway,
    *,
    prepared: ChargeRequest | None = None,
) -> PaymentAttempt | None:
    """Charge one queued attempt and settle it; returns the settled attempt.

    Returns None if it was not pending, or if the gateway's answer is unknown (the
    attempt stays pending and is collected again later with the same key). `prepared`
    is the request when the caller built it where it queued the attempt (a new
    subscription's first charge): that spares a transaction reading back what was just
    written. Settling checks the attempt is still pending either way.
    """
    if prepared is None:
        requests, _ = await _again_on_conflict(lambda: _prepare([attempt_id], uow))
        prepared = requests.get(attempt_id)
    if prepared is None or (outcome := await _charge(gateway, prepared)) is None:
        return None
    return await _settle_one(uow, attempt_id, outcome)
