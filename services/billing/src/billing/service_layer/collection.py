"""Charging an invoice, steps (2) and (3): send held attempts, settle the answers.

One path for every charge: a new subscription's first period, a renewal day and a
retry are all a batch (of one, or of thousands) handed to `collect`. Reading and
settling are one transaction each for the whole batch, the gateway calls run between
them, and only the holder of an attempt's lease sends it (see `charging`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from billing.adapters.gateways.port import ChargeRequest, ChargeResult, GatewayUnavailable, PaymentGateway
from billing.domain.invoice import InvoiceStatus
from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.settlement import GatewayAnswer, settle_charge
from billing.metrics import count_payments
from billing.service_layer.budget import within_budget
from billing.service_layer.charging import NO_PAYMENT_METHOD, charge_request
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.unit_of_work import BillingUnitOfWork, UnitOfWorkFactory
from shared.bus import Command
from shared.concurrency import bounded_map
from shared.failures import ConcurrentUpdate

CONFLICT_TRIES = 3
CLAIM_BATCH = 200
IN_FLIGHT = 16  # charges at the gateway at once, unless GATEWAY_CONCURRENCY says otherwise
T = TypeVar("T")


async def _prepare(
    attempt_ids: list[str], uow: UnitOfWorkFactory, leases: ChargeLeases
) -> tuple[dict[str, ChargeRequest], int]:
    """Step (1b), for a batch in one transaction: what to send the gateway for each attempt.

    Only attempts still pending and held by this process's lease are prepared. Those
    that cannot be charged are settled here (no card: failed; invoice no longer open:
    canceled). Answers the requests, and how many attempts were settled here.
    """
    requests: dict[str, ChargeRequest] = {}
    settled_here, no_card_on_file = 0, []
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
            method = await _card_for(work, attempt) or methods.get(attempt.customer_id)
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
                no_card_on_file.append(attempt)
                continue
            requests[attempt.id] = request
        await work.commit()
    count_payments(no_card_on_file)
    return requests, settled_here


def _other(backup: PaymentMethod | None, answer: GatewayAnswer) -> str | None:
    """The backup's id, unless it is the very card that was just declined."""
    return backup.id if backup is not None and backup.gateway_payment_method != answer.card else None


async def _card_for(work: BillingUnitOfWork, attempt: PaymentAttempt) -> PaymentMethod | None:
    """The card a retry named (a backup), if the customer still has it."""
    if attempt.gateway_payment_method is None:
        return None
    cards = await work.payment_methods.of_customer(attempt.customer_id)
    return next((c for c in cards if c.gateway_payment_method == attempt.gateway_payment_method), None)


async def _settle(work: BillingUnitOfWork, attempt: PaymentAttempt, answer: GatewayAnswer) -> None:
    invoice = await work.invoices.get(attempt.invoice_id, lock=True)
    subscription = await work.subscriptions.get(attempt.subscription_id)
    assert invoice is not None
    assert subscription is not None
    backup = (await work.payment_methods.backups_for([attempt.customer_id])).get(attempt.customer_id)
    settle_charge(attempt, invoice, subscription, answer, work.clock.now(), _other(backup, answer))
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


async def collect(
    attempt_ids: list[str],
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway,
    leases: ChargeLeases,
    *,
    concurrency: int = IN_FLIGHT,
    prepared: Mapping[str, ChargeRequest] | None = None,
) -> int:
    """Charge queued attempts this process holds and settle them; answers how many are
    no longer pending.

    `prepared` are the requests when the caller built them where it queued the attempts
    under its own fresh lease (a new subscription's first charge): that spares a
    transaction reading back what was just written. Settling checks each attempt is
    still pending either way.

    Reading and settling are one transaction each for the whole batch; the gateway calls
    run `concurrency` at a time between them, each only while enough of its lease is
    left. An attempt whose answer is unknown (the gateway is unavailable) stays pending,
    and once its lease runs out it is charged again with the same key. If another process
    changed one of the subscriptions or attempts meanwhile, each attempt is settled on
    its own instead, so one conflict does not hold back the rest.
    """
    if prepared is not None:
        requests, done = dict(prepared), 0
    else:
        requests, done = await _again_on_conflict(lambda: _prepare(attempt_ids, uow, leases))
    requests = await _again_on_conflict(partial(within_budget, requests, uow, leases.budget))
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
        for attempt_id, outcome in charged.items():  # each as a batch of one; another's outcome stands
            await _again_on_conflict(partial(_settle_many, uow, {attempt_id: outcome}))
        return done + len(charged)


@dataclass(frozen=True)
class CollectPending(Command[int]):
    """Send and settle every pending charge nobody holds; answers how many were settled."""


class Collector:
    def __init__(self, gateway: PaymentGateway, leases: ChargeLeases, concurrency: int = IN_FLIGHT) -> None:
        self.gateway, self.leases, self.concurrency = gateway, leases, concurrency

    async def collect_pending(self, command: CollectPending, uow: UnitOfWorkFactory) -> int:
        return await collect_pending(uow, self.gateway, self.leases, concurrency=self.concurrency)


async def collect_pending(
    uow: UnitOfWorkFactory, gateway: PaymentGateway, leases: ChargeLeases, *, concurrency: int = IN_FLIGHT
) -> int:
    """Claim pending attempts nobody holds, batch by batch, and send and settle them;
    answers how many were settled. Stops when none are left to claim, or when a batch
    settles nothing (the gateway is unavailable: its leases run out, then they are
    claimed again)."""
    collected = 0
    while True:
        lease = leases.new()
        async with uow() as work:
            now, due_by = leases.clock.now(), work.clock.now()
            ids = await work.attempts.claim_pending(lease, now, CLAIM_BATCH, due_by=due_by)
            await work.commit()
        if not ids:
            return collected
        done = await collect(ids, uow, gateway, leases, concurrency=concurrency)
        collected += done
        if not done:
            return collected
