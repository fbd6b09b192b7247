"""The population's own causes turned into HTTP actions by simulated day, before anything runs.

The simulated gateway decides a charge by the card on file, so a cause is played by
putting a card on two days before the renewal that should fail:
- an expired card that the simulated gateway's account updater replaces at the moment
  the customer's updater delay ends (`pm_sim_expired_card_updated_at_<t>`), so billing
  announces it as the updater's card, as a real network would; an expired card the
  updater never replaces, or a lost card, replaced by `pm_card_visa` on the day the
  customer brings a new one;
- `pm_sim_insufficient_funds_until_<t>`, which pays from the moment the balance refills,
  so dunning's payday retries find that moment by themselves;
- `pm_sim_soft_declines_<n>`, which refuses the next n charges, n drawn with the model's
  per-retry success chance.
What customers do in answer to reminders is not scripted: the driver reacts to the
reminders the services actually send.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.adapters.gateways.simulated import SHORT_UNTIL_PREFIX, SOFT_DECLINES_PREFIX, UPDATER_AT_PREFIX
from shared.calendar import add_months
from simulator.assumptions import Assumptions
from simulator.luck import renewal_luck, unprompted_new_card, updater_delay
from simulator.population import Customer

VISA = "pm_card_visa"
EXPIRED = "pm_card_chargeDeclinedExpiredCard"
LOST = "pm_card_chargeDeclinedLostCard"


def short_until(moment: datetime) -> str:
    return f"{SHORT_UNTIL_PREFIX}{math.ceil(moment.timestamp())}"


def updated_at(moment: datetime) -> str:
    return f"{UPDATER_AT_PREFIX}{math.ceil(moment.timestamp())}"


def soft_declines(count: int, renewal: int) -> str:
    return f"{SOFT_DECLINES_PREFIX}{count}_{renewal}"


def card_label(card: str) -> str:
    """A card id as the live count names it: `visa`, `short of funds`, `soft declines`, …"""
    for prefix, label in (
        (SHORT_UNTIL_PREFIX, "short of funds"),
        (SOFT_DECLINES_PREFIX, "soft declines"),
        (UPDATER_AT_PREFIX, "chargeDeclinedExpiredCard"),
    ):
        if card.startswith(prefix):
            return label
    return card.removeprefix("pm_card_")


@dataclass(frozen=True)
class Action:
    """`card` attaches a payment method; `break` is a cancel intent; `annoyed` cancels outright;
    `beach_offer` takes the pause dunning offered."""

    customer: int
    kind: str  # card | break | annoyed | beach_offer
    card: str = ""
    months: int = 0
    takes_pause: bool = False
    returns: bool = True


Script = dict[int, list[Action]]


def _day(moment: datetime, start: datetime) -> int:
    return max(0, math.ceil((moment - start) / timedelta(days=1)))


def _renewals(months: int, start: datetime) -> list[int]:
    """Days of the renewals of a subscription created at `start`, the stack clock's first moment.

    The run is the `months` calendar months from `start`, end excluded: the renewal on its
    last moment opens the month after it. So a customer has `months - 1` renewals after
    the charge at sign-up, whatever month the run starts in.
    """
    return [math.floor((add_months(start, k) - start) / timedelta(days=1)) for k in range(1, months)]


def _first_renewal_from(day: int, renewals: list[int]) -> int | None:
    return next((r for r in renewals if r > day), None)


def customer_script(customer: Customer, seed: int, months: int, a: Assumptions, start: datetime) -> Script:
    """Every action for one customer; renewals fall on the run start's day of month."""
    renewals, script = _renewals(months, start), defaultdict(list)
    broken: set[int] = set()
    for moment, card in ((customer.card_expires_at, EXPIRED), (customer.card_lost_at, LOST)):
        if moment is None:
            continue
        fails = _first_renewal_from(_day(moment, start), renewals)
        if fails is None:
            continue
        if card == EXPIRED:
            delay = updater_delay(seed, customer.index, a)
        else:  # a lost card: some customers bring a new one unasked; reminders ask the rest
            delay = unprompted_new_card(seed, customer.index, a)
        fixed = None if delay is None else fails + math.ceil(delay / timedelta(days=1))
        broken.update(range(fails - 2, (fixed or 10_000) + 1))
        if card == EXPIRED and delay is not None:  # the gateway's updater brings the new card
            failed_at = add_months(start, renewals.index(fails) + 1)
            script[fails - 2].append(Action(customer.index, "card", updated_at(failed_at + delay)))
            continue
        script[fails - 2].append(Action(customer.index, "card", card))
        if fixed is not None:
            script[fixed].append(Action(customer.index, "card", VISA))
    for number, renewal in enumerate(renewals, start=1):
        if renewal - 2 in broken:
            continue
        luck = renewal_luck(seed, customer.index, number, a)
        if luck.short_of_funds:
            failed_at = add_months(start, number)
            refilled = min(luck.refilled_at(failed_at, customer.timezone, a), failed_at + timedelta(days=400))
            script[renewal - 2].append(Action(customer.index, "card", short_until(refilled)))
        elif luck.soft_declines:
            card = soft_declines(luck.soft_declines, number)
            script[renewal - 2].append(Action(customer.index, "card", card))
    if customer.wants_break_at is not None:
        choice = customer.break_choice
        script[_day(customer.wants_break_at, start)].append(
            Action(
                customer.index,
                "break",
                months=choice.months,
                takes_pause=choice.takes_pause,
                returns=choice.returns,
            )
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
