"""What chance decides for a customer, drawn the same way by both engines.

Each draw has its own random stream, keyed by what it is about (the customer, which
renewal, which case and message), never by the order an engine happens to ask in. So the
model and the stack play the same luck for the same customer, and in the model every
policy meets the same luck: comparisons are paired, down to who is short of funds at
which renewal and who answers which reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dunning.domain.decisions import HARD_DECLINE_TEMPLATE
from dunning.domain.local_time import customer_zone, next_payday
from simulator.assumptions import Assumptions
from simulator.population import customer_stream

MIDNIGHT = time(0, 0)
MAX_SOFT_DECLINES = 20
NEVER = timedelta(days=3650)
BEACH_OFFER_TEMPLATE = "dunning.beach_offer"
CARD_PROBLEMS = ("expired_card", "lost_card", "card_declined")


@dataclass(frozen=True, slots=True)
class RenewalLuck:
    """One renewal's luck: a short balance (and when it refills), or a soft decline."""

    short_of_funds: bool
    refill_draw: float
    refill_days: float
    soft_declines: int
    """Charges a soft decline refuses, the renewal itself included; 0 for none."""

    def refilled_at(self, failed_at: datetime, timezone: str, a: Assumptions) -> datetime:
        if self.refill_draw < a.funds_clear_at_payday_share:
            return next_payday(failed_at, customer_zone(timezone), (1, 15), MIDNIGHT)
        if self.refill_draw < 1 - a.funds_never_clear_share:
            return failed_at + timedelta(days=self.refill_days)
        return failed_at + NEVER


def renewal_luck(seed: int, index: int, number: int, a: Assumptions) -> RenewalLuck:
    """The luck of the customer's `number`th renewal (1 is the first after sign-up)."""
    rng = customer_stream(seed, index, f"renewal:{number}")
    short = rng.random() < a.insufficient_funds_per_renewal
    refill_draw, refill_days = rng.random(), rng.uniform(*a.funds_clear_days)
    soft = not short and rng.random() < a.soft_decline_per_renewal
    count = 0
    if soft:
        count = 1
        while count < MAX_SOFT_DECLINES and rng.random() >= a.soft_retry_success:
            count += 1
    return RenewalLuck(short, refill_draw, refill_days, count)


def updater_delay(seed: int, index: int, a: Assumptions) -> timedelta | None:
    """How long the account updater takes to hand over an expired card's successor."""
    rng = customer_stream(seed, index, "updater")
    if rng.random() >= a.updater_covers_share:
        return None
    draw = rng.random()
    if draw < a.updater_fast_share:
        return timedelta(days=rng.uniform(0.25, a.updater_main_days[0]))
    if draw < 1 - a.updater_slow_share:
        return timedelta(days=rng.uniform(*a.updater_main_days))
    return timedelta(days=rng.uniform(*a.updater_slow_days))


def unprompted_new_card(seed: int, index: int, a: Assumptions) -> timedelta | None:
    """After a lost card, some customers add a new one unasked: how long after the decline."""
    rng = customer_stream(seed, index, "lost_card")
    if rng.random() >= a.new_card_unprompted:
        return None
    return timedelta(days=rng.uniform(1, 30))


@dataclass(frozen=True, slots=True)
class Reaction:
    """What one message from dunning leads its customer to do."""

    annoyed: bool
    annoyed_after: timedelta
    new_card_after: timedelta | None
    takes_offer: bool
    offer_months: int


def reaction(
    seed: int,
    index: int,
    message: tuple[int, int],
    template_id: str,
    decline_code: str,
    night: bool,
    a: Assumptions,
) -> Reaction:
    """The reaction to the `message` = (case number, reminder number) of this customer's
    run. A beach offer is taken or not; any other message can annoy (twice as likely at
    night) and, for a card problem, bring a new card within five days."""
    case_number, reminder_number = message
    rng = customer_stream(seed, index, f"reminder:{case_number}:{reminder_number}")
    if template_id == BEACH_OFFER_TEMPLATE:
        takes = rng.random() < a.takes_dunning_offer_share
        months = rng.choices((1, 2, 3), weights=a.pause_months_weights)[0]
        return Reaction(False, timedelta(0), None, takes, months)
    annoyed = rng.random() < a.annoyance_per_reminder * (a.night_annoyance_factor if night else 1.0)
    chance = a.new_card_after_request if template_id == HARD_DECLINE_TEMPLATE else a.update_after_reminder
    new_card = decline_code in CARD_PROBLEMS and rng.random() < chance
    card_after = timedelta(hours=rng.uniform(1, 5 * 24))
    annoyed_after = timedelta(hours=rng.uniform(0.1, 12))
    return Reaction(annoyed, annoyed_after, card_after if new_card else None, False, 0)
