"""Billing periods from an anchor, with month ends handled.

Periods are always computed from the anchor, never from the previous period's end: a
subscription anchored on 31 January renews on 28 (or 29) February, then on 31 March
again, instead of drifting to the 28th for ever.
"""

from __future__ import annotations

from datetime import datetime

from billing.domain.plan import Interval
from shared.calendar import add_months


def months_in(interval: Interval) -> int:
    return 12 if interval == "year" else 1


def period(anchor: datetime, index: int, interval: Interval) -> tuple[datetime, datetime]:
    """Start and end of the `index`-th period (0 is the first) of a subscription."""
    step = months_in(interval)
    return add_months(anchor, index * step), add_months(anchor, (index + 1) * step)
