"""Holding back the charges a card's retry budget has no room for, before any is sent.

A card is one customer's (the simulated gateway's test ids are shared by every
customer). Each batch of charges is counted against what each card was sent in the last 30 days
(answered attempts) and against the batch itself, in the order the charges were queued.
A charge without room is not sent: it is given the moment its card has room again and
the reason, and goes back to waiting, so the next claim after that moment sends it with
its own idempotency key. Two replicas sending on one card in the same instant could each
count the other's charge late; the windows are long and the budgets below the networks'.
"""

from __future__ import annotations

from collections.abc import Mapping

from billing.adapters.gateways.port import ChargeRequest
from billing.domain.payment import AttemptStatus
from billing.domain.retry_budget import MONTH, RetryBudget
from billing.service_layer.unit_of_work import UnitOfWorkFactory


async def within_budget(
    requests: Mapping[str, ChargeRequest],
    uow: UnitOfWorkFactory,
    budget: RetryBudget,
    owners: Mapping[str, str] | None = None,
) -> dict[str, ChargeRequest]:
    """The requests that may go now; the others are held back, with why and until when.

    `owners` are the attempts' customers where the caller read them already (an
    attempt's customer never changes); the others' attempts are read for them. The
    count is a read; only a batch with a charge to hold back takes a writer's turn.
    """
    if not requests:
        return {}
    async with uow().read_only() as work:
        now = work.clock.now()
        owners = dict(owners or {})
        if unknown := [i for i in requests if i not in owners]:
            owners |= {a.id: a.customer_id for a in await work.attempts.get_many(unknown)}
        card_of = {i: (owners.get(i, ""), r.gateway_payment_method) for i, r in requests.items()}
        sent = await work.attempts.sent_on_cards(set(card_of.values()), now - MONTH)
    allowed, held = {}, {}
    for attempt_id, request in requests.items():
        times = sent.setdefault(card_of[attempt_id], [])
        if budget.left(times, now).allows_a_charge:
            times.append(now)
            allowed[attempt_id] = request
        else:
            held[attempt_id] = (budget.next_allowed(times, now), budget.reason(times, now))
    if held:
        async with uow() as work:
            attempts = [
                a for a in await work.attempts.get_many(list(held)) if a.status is AttemptStatus.PENDING
            ]
            for attempt in attempts:
                attempt.wait_for_budget(*held[attempt.id])
            await work.attempts.save_many(attempts)
            await work.commit()
    return allowed
