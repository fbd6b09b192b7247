"""The population turned into HTTP actions by simulated day, before anything runs.

The simulated gateway decides a charge by the card id alone, so a cause is played by
swapping cards: the expired, lost or short-of-funds test card goes on before the renewal
that should fail, and `pm_card_visa` goes on the day the cause clears (the updater's
replacement, the payday). Attaching a card sends `payment_method.updated`, so on the
stack a cleared balance is retried as "card updated" rather than on the payday itself.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.domain.periods import add_months
from simulator.assumptions import Assumptions
from simulator.model.wallet import Wallet
from simulator.population import RUN_START, Customer, customer_stream

VISA = "pm_card_visa"
EXPIRED = "pm_card_chargeDeclinedExpiredCard"
LOST = "pm_card_chargeDeclinedLostCard"
SHORT = "pm_card_chargeDeclinedInsufficientFunds"


@dataclass(frozen=True)
class Action:
    """`card` attaches a payment method; `break` is a cancel intent; `cancel` ends the subscription."""

    customer: int
    kind: str
    card: str = ""
    months: int = 0
    takes_pause: bool = False
    returns: bool = True


Script = dict[int, list[Action]]


def _day(moment: datetime) -> int:
    return max(0, math.ceil((moment - RUN_START) / timedelta(days=1)))


def _renewals(months: int, start: datetime) -> list[int]:
    """Days of the renewals of a subscription created at `start`, the stack clock's first moment."""
    return [math.floor((add_months(start, k) - start) / timedelta(days=1)) for k in range(1, months + 1)]


def _first_renewal_from(day: int, renewals: list[int]) -> int | None:
    return next((r for r in renewals if r > day), None)


def customer_script(customer: Customer, seed: int, months: int, a: Assumptions, start: datetime) -> Script:
    """Every action for one customer; renewals fall on the run start's day of month."""
    rng = customer_stream(seed, customer.index, "stack")
    wallet = Wallet(customer, rng, a)
    renewals, script = _renewals(months, start), defaultdict(list)
    broken: set[int] = set()
    for moment, card in ((customer.card_expires_at, EXPIRED), (customer.card_lost_at, LOST)):
        if moment is None:
            continue
        fails = _first_renewal_from(_day(moment), renewals)
        if fails is None:
            continue
        script[fails - 2].append(Action(customer.index, "card", card))
        if card == EXPIRED:
            delay = wallet.updater_delay()
            fixed = None if delay is None else fails + math.ceil(delay / timedelta(days=1))
        else:
            chance = a.new_card_unprompted + (1 - a.new_card_unprompted) * a.new_card_after_request
            fixed = fails + rng.randint(1, 10) if rng.random() < chance else None
        broken.update(range(fails - 2, (fixed or 10_000) + 1))
        if fixed is not None:
            script[fixed].append(Action(customer.index, "card", VISA))
    for renewal in renewals:
        if renewal - 2 in broken or rng.random() >= a.insufficient_funds_per_renewal:
            continue
        script[renewal - 2].append(Action(customer.index, "card", SHORT))
        failed_at = start + timedelta(days=renewal)
        clears = renewal + math.ceil((wallet.funds_clear_after(failed_at) - failed_at) / timedelta(days=1))
        script[min(clears, renewal + 20)].append(Action(customer.index, "card", VISA))
    if customer.wants_break_at is not None:
        takes = rng.random() < a.takes_pause_share
        months_away = rng.choices((1, 2, 3), weights=a.pause_months_weights)[0]
        returns = rng.random() < a.returns_after_pause_share
        script[_day(customer.wants_break_at)].append(
            Action(customer.index, "break", months=months_away, takes_pause=takes, returns=returns)
        )
    return dict(script)


def population_script(
    customers: list[Customer], seed: int, months: int, a: Assumptions, start: datetime
) -> Script:
    merged: Script = defaultdict(list)
    for customer in customers:
        for day, actions in customer_script(customer, seed, months, a, start).items():
            merged[day].extend(actions)
    return dict(merged)
