"""Lift against the holdout: what a variant's messages add, with a 95% interval.

Both measures are differences of means of a per-case value: recovered (1) or not (0)
for the recovery rate, and the recovered amount (0 when not recovered) for the
revenue per case, in minor units of one currency at a time (no exchange rates in a
finance figure). The interval is Welch's t interval from scipy, which does not assume
the variant and the holdout vary alike. The report's SQL hands over frequency tables
(how many cases had each value), never the cases, so the samples are rebuilt here.

numpy and scipy are imported when a report first asks for a lift, not when dunning
starts: they are about 70 MB of resident memory in every dunning process, which mostly
consumes events and never reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    import numpy as np

HOLDOUT = "holdout"
CONFIDENCE = 0.95

Frequencies = Mapping[int, int]
"""A per-case value and how many cases had it."""


class Interval(BaseModel):
    estimate: float
    low: float | None
    high: float | None
    """None when a side has fewer than two cases or neither side varies."""


class CurrencyInterval(Interval):
    currency: str


class Lift(BaseModel):
    variant: str
    against: str = HOLDOUT
    cases: int
    holdout_cases: int
    recovery_rate: Interval
    recovered_per_case: list[CurrencyInterval]
    """In minor units of `currency`, per case opened in that currency."""


@dataclass(frozen=True)
class Arm:
    """One variant's cases in a group: recovered or not, and what each brought back."""

    cases: int
    recovered: int
    recovered_amounts: Mapping[str, Frequencies]
    """Per currency: recovered amount in minor units (0 if not recovered) -> cases."""


def _sample(frequencies: Frequencies) -> np.ndarray:
    import numpy as np  # see the module's docstring

    values = sorted(frequencies)
    return np.repeat(np.array(values, dtype=float), [frequencies[v] for v in values])


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else round(float(value), 6)


def difference(variant: Frequencies, holdout: Frequencies) -> Interval | None:
    """Mean of `variant` minus mean of `holdout`; None if either side is empty."""
    from scipy import stats  # see the module's docstring

    a, b = _sample(variant), _sample(holdout)
    if not a.size or not b.size:
        return None
    estimate = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2 or (a.var() == 0 and b.var() == 0):
        return Interval(estimate=round(estimate, 6), low=None, high=None)
    interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(CONFIDENCE)
    return Interval(estimate=round(estimate, 6), low=_finite(interval.low), high=_finite(interval.high))


def lift(variant: str, arm: Arm, holdout: Arm) -> Lift | None:
    rate = difference(
        {1: arm.recovered, 0: arm.cases - arm.recovered},
        {1: holdout.recovered, 0: holdout.cases - holdout.recovered},
    )
    if rate is None:
        return None
    per_case = []
    for currency in sorted(set(arm.recovered_amounts) & set(holdout.recovered_amounts)):
        found = difference(arm.recovered_amounts[currency], holdout.recovered_amounts[currency])
        if found is not None:
            per_case.append(CurrencyInterval(currency=currency, **found.model_dump()))
    return Lift(
        variant=variant,
        cases=arm.cases,
        holdout_cases=holdout.cases,
        recovery_rate=rate,
        recovered_per_case=per_case,
    )


def lifts(arms: Mapping[str, Arm]) -> list[Lift]:
    """Every variant's lift in one group of cases; none without holdout cases there."""
    holdout = arms.get(HOLDOUT)
    if holdout is None:
        return []
    found = (lift(variant, arm, holdout) for variant, arm in sorted(arms.items()) if variant != HOLDOUT)
    return [one for one in found if one is not None]
