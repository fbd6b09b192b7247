"""What a customer does when a message from dunning lands, drawn as the model draws it.

Each reminder gets its own random stream, seeded by (seed, customer, which of the
customer's cases, reminder number), so a run is reproducible whatever order the events
arrive in; case ids are random, so they are not part of the seed. The chances are
the model's (`Assumptions`): a reminder can annoy a customer into cancelling (twice as
likely at night in their own timezone), a card-update reminder can bring a new card,
and a beach offer is taken by some past-due customers.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from dunning.domain.decisions import HARD_DECLINE_TEMPLATE
from dunning.domain.local_time import customer_zone
from dunning.domain.policy import NIGHT
from simulator.assumptions import Assumptions
from simulator.population import Customer, customer_stream
from simulator.stack.events import Reminder
from simulator.stack.script import VISA, Action

BEACH_OFFER_TEMPLATE = "dunning.beach_offer"
CARD_PROBLEMS = ("expired_card", "lost_card", "card_declined")


def react(
    reminder: Reminder, customer: Customer, decline_code: str, seed: int, a: Assumptions, day: int
) -> list[tuple[int, Action]]:
    """The actions this message leads to, each with the simulated day it happens on."""
    rng = customer_stream(seed, customer.index, f"reminder:{reminder.case_number}:{reminder.reminder_number}")
    if reminder.template_id == BEACH_OFFER_TEMPLATE:
        if rng.random() >= a.takes_dunning_offer_share:
            return []
        months = rng.choices((1, 2, 3), weights=a.pause_months_weights)[0]
        return [(day, Action(customer.index, "beach_offer", months=months))]
    actions: list[tuple[int, Action]] = []
    sent_at = datetime.fromisoformat(reminder.sent_at)
    night = NIGHT.contains(sent_at, customer_zone(customer.timezone))
    if rng.random() < a.annoyance_per_reminder * (a.night_annoyance_factor if night else 1.0):
        actions.append((day, Action(customer.index, "annoyed")))
    chance = (
        a.new_card_after_request if reminder.template_id == HARD_DECLINE_TEMPLATE else a.update_after_reminder
    )
    if decline_code in CARD_PROBLEMS and rng.random() < chance:
        delay = timedelta(hours=rng.uniform(1, 5 * 24))
        actions.append((day + math.ceil(delay / timedelta(days=1)), Action(customer.index, "card", VISA)))
    return actions
