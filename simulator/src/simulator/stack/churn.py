"""Churn on the stack, read from what billing and dunning say happened to each subscription.

No service reports churn, so it is counted here from facts the services hold: billing's
subscription status at the end, and who asked billing to cancel (`requested_by` on
`subscription.canceled`). A canceled subscription is involuntary churn when dunning asked
(its window ran out with the final action "cancel"), and voluntary otherwise: a
confirmed cancel intent (even one made while a payment case was open, which closes the
case `canceled` too), a customer annoyed by reminders, or one who left after a pause.

Rates need each variant's own customers as the denominator. A customer's variant is the
one on their dunning case; a customer who never had a case gets the variant dunning's
own assignment would give them, from the same `DUNNING_EXPERIMENT` weights the service
reads.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dunning.domain.experiments import DEFAULT_WEIGHTS, assign_variant
from shared.concurrency import bounded_map
from simulator.model.tally import Tally

PARALLEL = 8


def experiment_weights() -> Mapping[str, int]:
    raw = os.environ.get("DUNNING_EXPERIMENT")
    return json.loads(raw) if raw else DEFAULT_WEIGHTS


def variant_of(
    customer_id: str, subscription_id: str, seen: Mapping[str, str], weights: Mapping[str, int]
) -> str:
    return seen.get(subscription_id) or assign_variant(customer_id, weights)


async def statuses(get: Callable[[str], Awaitable[Any]], subscriptions: Mapping[int, str]) -> dict[int, str]:
    """Billing's status of every subscription the driver made."""

    async def one(subscription_id: str) -> str:
        return str((await get(f"/v1/subscriptions/{subscription_id}"))["status"])

    found = await bounded_map(one, subscriptions.values(), at_once=PARALLEL)
    return dict(zip(subscriptions, found, strict=True))


def churn_tallies(
    customers: Mapping[int, str],
    subscriptions: Mapping[int, str],
    status: Mapping[int, str],
    case_variants: Mapping[str, str],
    canceled_by: Mapping[str, str],
    annoyed: set[int],
    weights: Mapping[str, int],
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for index, subscription_id in subscriptions.items():
        variant = variant_of(customers[index], subscription_id, case_variants, weights)
        tally = tallies.setdefault(variant, Counter())
        tally["customers"] += 1
        if status.get(index) != "canceled":
            continue
        if index in annoyed:
            tally["churn_voluntary"] += 1
            tally["churn_annoyed"] += 1
        elif canceled_by.get(subscription_id) == "dunning":
            tally["churn_involuntary"] += 1
        else:
            tally["churn_voluntary"] += 1
    return tallies
