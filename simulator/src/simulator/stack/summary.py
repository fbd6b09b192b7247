"""What a stack run found, in the model's vocabulary: tallies, notes and timings.

The services report in their own terms (dunning's report grouped by variant, pause's
report); these turn them into the `Tally` the model produces, so one summary serves
both engines, and say where the wall-clock time went.
"""

from __future__ import annotations

import heapq
import statistics
from collections import Counter
from typing import Any

from simulator.model.tally import METHOD, Tally, add_money


def timings(set_up: float, day_seconds: list[float]) -> str:
    """Where the wall-clock time went: the stack benchmark is judged on it."""
    if not day_seconds:
        return f"Timings: set-up {set_up:.1f}s"
    slowest = sorted(heapq.nlargest(5, range(len(day_seconds)), key=day_seconds.__getitem__))
    worst = ", ".join(f"day {d + 1} {day_seconds[d]:.1f}s" for d in slowest)
    return (
        f"Timings: set-up {set_up:.1f}s; {len(day_seconds)} days {sum(day_seconds):.1f}s "
        f"(median {statistics.median(day_seconds):.2f}s; slowest {worst})"
    )


def tallies_of(
    report: dict[str, Any], pauses: dict[str, Any], churn: dict[str, Tally], variants: tuple[str, ...]
) -> dict[str, Tally]:
    """The services' reports in the model's vocabulary, so one summary serves both engines."""
    tallies: dict[str, Tally] = {}
    for group in report.get("groups", []):
        tally = Tally(churn.get(group["group"], Counter()))
        tally["cases"] = group["cases"]
        tally["recovered_cases"] = group["recovered"]
        tally["zero_contact_recoveries"] = group["recovered_without_reminders"]
        per_case = group.get("reminders_per_recovered_case") or 0.0
        tally["contacts_on_recovered"] = round(per_case * group["recovered"])
        for method, count in group.get("recovery_methods", {}).items():
            if count:
                tally[f"{METHOD}:{method}"] = count
        for money in group["recovered_amount"]:
            add_money(tally, "recovered", money["currency"], money["amount"])
        tally["cancel_intents"] = pauses["cancel_intents"]
        tally["pauses_from_intents"] = pauses["cancel_intents_that_became_pauses"]
        # The report's return rate: still subscribed three months after resuming (every pause,
        # the dunning ones too), of those who resumed at least three months ago.
        tally["pauses_ended"] = pauses["resumed_three_months_ago_or_more"]
        tally["returned_after_pause"] = pauses["still_subscribed_three_months_after_resume"]
        tallies[group["group"]] = tally
    for variant in variants:
        tallies.setdefault(variant, Tally(churn.get(variant, Counter())))
    return tallies
