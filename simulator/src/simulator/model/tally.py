"""What happened, as plain counters that add up across customers, workers and seeds.

Money is kept per currency in minor units under keys like `recovered:USD`, so the sums
stay exact; only the summary converts to one currency.
"""

from __future__ import annotations

from collections import Counter

Tally = Counter[str]

METHOD = "method"
"""Recovered cases by what recovered them, under `method:<recovery_method>`, in the
vocabulary of dunning's report, so both engines' attribution can be compared."""


def add_money(tally: Tally, what: str, currency: str, amount: int) -> None:
    tally[f"{what}:{currency}"] += amount


def money_in(tally: Tally, what: str) -> dict[str, int]:
    prefix = f"{what}:"
    return {key[len(prefix) :]: value for key, value in tally.items() if key.startswith(prefix)}
