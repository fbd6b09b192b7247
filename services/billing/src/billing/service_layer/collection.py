"""Charging an invoice, steps (2) and (3): send held attempts, settle the answers.

One path for every charge: a new subscription's first period, a renewal day and a
retry are all a batch (of one, or of thousands) handed to `collect`. Reading and
settling are one transaction each for the whole batch, the gateway calls run between
them, and only the holder of an attempt's lease sends it (see `charging`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from billing.adapters.gateways.port import ChargeRequest, ChargeResult, GatewayUnavailable, PaymentGateway
from billing.domain.invoice import InvoiceStatus
from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.settlement import GatewayAnswer
from billing.metrics import count_payments
from billing.service_layer.budget import within_budget
from billing.service_layer.charging import NO_PAYMENT_METHOD, charge_request
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.settling import settle_many, settle_one
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
) -> tuple[dict[str, ChargeRequest], int, dict[str, str]]:
    """Step (1b), for a batch in one transaction: what to send the gateway for each attempt.

    Only attempts still pending and held by this process's lease are prepared. Those
    that cannot be charged are settled here (no card: failed; invoice no longer open:
    canceled). Answers the requests, how many attempts were settled here, and the
    customer of each attempt to send (for its card's retry budget).
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
            return requests, 0, {}
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
                await settle_one(work, attempt, no_card)
                settled_here += 1
                no_card_on_file.append(attempt)
                continue
            requests[attempt.id] = request
        await work.commit()
    count_payments(no_card_on_file)
    return requests, settled_here, {a.id: a.customer_id for a in attempts if a.id in requests}


async def _card_for(work: BillingUnitOfWork, attempt: PaymentAttempt) -> PaymentMethod | None:
    """The card a retry named (a backup), if the customer still has it."""
    if attempt.gateway_payment_method is None:
        return None
    cards = await work.payment_methods.of_customer(attempt.customer_id)
    return next((c for c in cards if c.gateway_payment_method == attempt.gateway_payment_method), None)


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


@dataclass(frozen=True)
class _Batch:
    """Attempts read and ready to send: their requests, how many were settled while
    reading (no card, invoice closed), the last moment to start a call, and the
    attempts' customers where they were read."""

    requests: dict[str, ChargeRequest]
    settled: int
    deadline: datetime
    owners: dict[str, str]


async def _send_and_settle(
    batch: _Batch, uow: UnitOfWorkFactory, gateway: PaymentGateway, leases: ChargeLeases, concurrency: int
) -> int:
    """Steps (2) and (3) for a read batch; answers how many are no longer pending."""
    requests = await _again_on_conflict(
        partial(within_budget, batch.requests, uow, leases.budget, batch.owners)
    )
    charged: dict[str, GatewayAnswer] = {}

    async def charge(attempt_id: str) -> None:
        if leases.clock.now() >= batch.deadline:
            return  # too little of the lease left to start a call: the next claim sends it
        if (outcome := await _charge(gateway, requests[attempt_id])) is not None:
            charged[attempt_id] = outcome

    await bounded_map(charge, requests, at_once=concurrency)
    if not charged:
        return batch.settled
    try:
        return batch.settled + len(await settle_many(uow, charged))
    except ConcurrentUpdate:
        for attempt_id, outcome in charged.items():  # each as a batch of one; another's outcome stands
            await _again_on_conflict(partial(settle_many, uow, {attempt_id: outcome}))
        return batch.settled + len(charged)


async def collect(
    attempt_ids: list[str],
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway,
    leases: ChargeLeases,
    *,
    concurrency: int = IN_FLIGHT,
    prepared: Mapping[str, ChargeRequest] | None = None,
    owners: Mapping[str, str] | None = None,
) -> int:
    """Charge queued attempts this process holds and settle them; answers how many are
    no longer pending.

    `prepared` are the requests when the caller built them where it queued the attempts
    under its own fresh lease (a new subscription's first charge), and `owners` their
    attempts' customers: that spares a transaction reading back what was just written,
    and the retry budget's read of whose cards they go to. Settling checks each attempt
    is still pending either way.

    Reading and settling are one transaction each for the whole batch; the gateway calls
    run `concurrency` at a time between them, each only while enough of its lease is
    left. An attempt whose answer is unknown (the gateway is unavailable) stays pending,
    and once its lease runs out it is charged again with the same key. If another process
    changed one of the subscriptions or attempts meanwhile, each attempt is settled on
    its own instead, so one conflict does not hold back the rest.
    """
    deadline = leases.clock.now() + leases.length - leases.margin
    if prepared is not None:
        batch = _Batch(dict(prepared), 0, deadline, dict(owners or {}))
    else:
        requests, settled, read = await _again_on_conflict(lambda: _prepare(attempt_ids, uow, leases))
        batch = _Batch(requests, settled, deadline, read)
    return await _send_and_settle(batch, uow, gateway, leases, concurrency)


@dataclass(frozen=True)
class CollectPending(Command[int]):
    """Send and settle every pending charge nobody holds; answers how many were settled."""


class Collector:
    def __init__(self, gateway: PaymentGateway, leases: ChargeLeases, concurrency: int = IN_FLIGHT) -> None:
        self.gateway, self.leases, self.concurrency = gateway, leases, concurrency

    async def collect_pending(self, command: CollectPending, uow: UnitOfWorkFactory) -> int:
        return await collect_pending(uow, self.gateway, self.leases, concurrency=self.concurrency)


async def _claim_and_read(uow: UnitOfWorkFactory, leases: ChargeLeases) -> _Batch | None:
    """Step (1) for the next batch: take a fresh lease on pending attempts nobody holds
    and read what to send for them; None when there are none to claim. The calls may
    start only while half the lease is left, counted from the claim."""
    lease = leases.new()
    async with uow() as work:
        now, due_by = leases.clock.now(), work.clock.now()
        ids = await work.attempts.claim_pending(lease, now, CLAIM_BATCH, due_by=due_by)
        await work.commit()
    if not ids:
        return None
    requests, settled, owners = await _again_on_conflict(lambda: _prepare(ids, uow, leases))
    return _Batch(requests, settled, lease.expires_at - leases.margin, owners)


async def collect_pending(
    uow: UnitOfWorkFactory, gateway: PaymentGateway, leases: ChargeLeases, *, concurrency: int = IN_FLIGHT
) -> int:
    """Claim pending attempts nobody holds, batch by batch, and send and settle them;
    answers how many were settled. Stops when none are left to claim, or when a batch
    settles nothing (the gateway is unavailable: its leases run out, then they are
    claimed again).

    The next batch is claimed and read while this one is at the gateway and settling, so
    the database's turn and the gateway's overlap. Its retry budget is still counted
    after this batch settled, and each batch is sent only by the lease it was claimed
    with; a batch claimed ahead is sent before stopping, not left to wait out its lease.
    """
    collected = 0
    upcoming = asyncio.create_task(_claim_and_read(uow, leases))
    try:
        while (batch := await upcoming) is not None:
            upcoming = asyncio.create_task(_claim_and_read(uow, leases))
            done = await _send_and_settle(batch, uow, gateway, leases, concurrency)
            collected += done
            if not done:
                if (last := await upcoming) is not None:
                    collected += await _send_and_settle(last, uow, gateway, leases, concurrency)
                return collected
        return collected
    finally:  # if this batch failed, stop reading the next: what it claimed waits out its lease
        upcoming.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # this batch's error is raised
            await upcoming
