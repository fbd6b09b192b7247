"""Charging an invoice: queue an attempt, call the gateway, settle the outcome.

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

import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from billing.adapters.gateways.port import (
    ChargeRequest,
    ChargeResult,
    GatewayUnavailable,
    PaymentGateway,
)
from billing.domain.customer import Customer
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.payment import AttemptStatus, Lease, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.settlement import GatewayAnswer, settle_charge
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.concurrency import bounded_map
from shared.failures import ConcurrentUpdate

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]
NO_PAYMENT_METHOD = "no_payment_method"
CONFLICT_TRIES = 3
T = TypeVar("T")


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
        invoice, reason, await uow.attempts.count_for_invoice(invoice.id) + 1, uow, idempotency_key, None
    )
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


async def _prepare(
    attempt_ids: list[str], uow: UnitOfWorkFactory, leases: ChargeLeases
) -> tuple[dict[str, ChargeRequest], int]:
    """Step (1b), for a batch in one transaction: what to send the gateway for each attempt.

    Only attempts still pending and held by this process's lease are prepared. Those
    that cannot be charged are settled here (no card: failed; invoice no longer open:
    canceled). Answers the requests, and how many attempts were settled here.
    """
    requests: dict[str, ChargeRequest] = {}
    settled_here = 0
    async with uow() as work:
        attempts = [
            a
            for a in await work.attempts.get_many(attempt_ids)
            if a.status is AttemptStatus.PENDING and leases.may_send(a)
        ]
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
                no_card = GatewayAnswer(False, None, NO_PAYMENT_METHOD, "no card on file", None)
                await _settle(work, attempt, no_card)
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


async def _settle(work: BillingUnitOfWork, attempt: PaymentAttempt, answer: GatewayAnswer) -> None:
    invoice = await work.invoices.get(attempt.invoice_id, lock=True)
    subscription = await work.subscriptions.get(attempt.subscription_id)
    assert invoice is not None
    assert subscription is not None
    settle_charge(attempt, invoice, subscription, answer, work.clock.now())
    await work.attempts.save(attempt)
    await work.invoices.save(invoice)
    await work.subscriptions.save(subscription)


async def _settle_many(uow: UnitOfWorkFactory, charged: dict[str, GatewayAnswer]) -> list[PaymentAttempt]:
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
            settle_charge(attempt, invoice, subscription, charged[attempt.id], now)
        await work.attempts.save_many(attempts)
        await work.invoices.save_many(list(invoices.values()))
        await work.subscriptions.save_many(list(subscriptions.values()))
        await work.commit()
        return attempts


async def _settle_one(
    uow: UnitOfWorkFactory, attempt_id: str, charged: GatewayAnswer
) -> PaymentAttempt | None:
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


async def _charge(gateway: PaymentGateway, request: ChargeRequest) -> GatewayAnswer | None:
    """Step (2); None when the answer is unknown: the attempt stays pending."""
    try:
        result = await gateway.charge(request)
    except GatewayUnavailable:
        return None
    return _answer(result, request.gateway_payment_method)


def _answer(result: ChargeResult, card: str | None) -> GatewayAnswer:
    return GatewayAnswer(
        result.succeeded, result.gateway_reference, result.decline_code, result.decline_message, card
    )


async def collect_many(
    attempt_ids: list[str],
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway,
    leases: ChargeLeases,
    *,
    concurrency: int = 8,
) -> int:
    """Charge queued attempts this process holds and settle them; answers how many are
    no longer pending.

    Reading and settling are one transaction each for the whole batch; the gateway calls
    run `concurrency` at a time between them, each only while enough of its lease is
    left. An attempt whose answer is unknown (the gateway is unavailable) stays pending,
    and once its lease runs out it is charged again with the same key. If another process
    changed one of the subscriptions or attempts meanwhile, each attempt is settled on
    its own instead, so one conflict does not hold back the rest.
    """
    requests, done = await _again_on_conflict(lambda: _prepare(attempt_ids, uow, leases))
    deadline = leases.clock.now() + leases.length - leases.margin
    charged: dict[str, GatewayAnswer] = {}

    async def charge(attempt_id: str) -> None:
        if leases.clock.now() >= deadline:
            return  # too little of the lease left to start a call: the next claim sends it
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
    leases: ChargeLeases,
    *,
    prepared: ChargeRequest | None = None,
) -> PaymentAttempt | None:
    """Charge one queued attempt this process holds and settle it; returns the settled
    attempt.

    Returns None if it was not pending or not ours, or if the gateway's answer is
    unknown (the attempt stays pending and is collected again later with the same key).
    `prepared` is the request when the caller built it where it queued the attempt,
    under its own fresh lease (a new subscription's first charge): that spares a
    transaction reading back what was just written. Settling checks the attempt is still
    pending either way.
    """
    if prepared is None:
        requests, _ = await _again_on_conflict(lambda: _prepare([attempt_id], uow, leases))
        prepared = requests.get(attempt_id)
    if prepared is None or (outcome := await _charge(gateway, prepared)) is None:
        return None
    return await _settle_one(uow, attempt_id, outcome)


CLAIM_BATCH = 200


async def collect_pending(
    uow: UnitOfWorkFactory, gateway: PaymentGateway, leases: ChargeLeases, *, concurrency: int = 8
) -> int:
    """Claim pending attempts nobody holds, batch by batch, and send and settle them;
    answers how many were settled. Stops when none are left to claim, or when a batch
    settles nothing (the gateway is unavailable: its leases run out, then they are
    claimed again)."""
    collected = 0
    while True:
        lease = leases.new()
        async with uow() as work:
            ids = await work.attempts.claim_pending(lease, leases.clock.now(), CLAIM_BATCH)
            await work.commit()
        if not ids:
            return collected
        done = await collect_many(ids, uow, gateway, leases, concurrency=concurrency)
        collected += done
        if not done:
            return collected
