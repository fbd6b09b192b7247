"""What a customer does when a message from dunning lands, drawn as the model draws it.

The reaction comes from `simulator.luck`, keyed by (seed, customer, which of the
customer's cases, reminder number), so a run is reproducible whatever order the events
arrive in, and the model draws the same reaction to the same message; case ids are
random, so they are not part of the key. A reminder can annoy a customer into
cancelling (twice as likely at night in their own timezone), a card-update reminder can
bring a new card, and a beach offer is taken by some past-due customers.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from dunning.domain.local_time import customer_zone
from dunning.domain.policy import NIGHT
from simulator.assumptions import Assumptions
from simulator.luck import BEACH_OFFER_TEMPLATE, reaction
from simulator.population import Customer
from simulator.stack.events import Reminder
from simulator.stack.script import VISA, Action


def react(
    reminder: Reminder, customer: Customer, decline_code: str, seed: int, a: Assumptions, day: int
) -> list[tuple[int, Action]]:
    """The actions this message leads to, each with the simulated day it happens on."""
    sent_at = datetime.fromisoformat(reminder.sent_at)
    night = NIGHT.contains(sent_at, customer_zone(customer.timezone))
    message = (reminder.case_number, reminder.reminder_number)
    answer = reaction(seed, customer.index, message, reminder.template_id, decline_code, night, a)
    if reminder.template_id == BEACH_OFFER_TEMPLATE:
        if not answer.takes_offer:
            return []
        return [(day, Action(customer.index, "beach_offer", months=answer.offer_months))]
    actions: list[tuple[int, Action]] = []
    if answer.annoyed:
        actions.append((day, Action(customer.index, "annoyed")))
    if answer.new_card_after is not None:
        later = math.ceil(answer.new_card_after / timedelta(days=1))
        actions.append((day + later, Action(customer.index, "card", VISA)))
    return actions
