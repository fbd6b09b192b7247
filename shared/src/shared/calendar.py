"""Calendar arithmetic, once for every service: month steps and UTC.

Periods, beach fees and pauses are counted in calendar months from one anchor, never
step by step, so that a month end clamped in a short month (31 January plus one month
is 28 February) never drifts into the months after it. `dateutil.relativedelta` does
exactly that clamping. Every moment is kept in UTC, so adding days means elapsed time
even across a DST change; a naive datetime is refused rather than guessed at.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta

from shared.errors import DomainError


def add_months(anchor: datetime, months: int) -> datetime:
    """The same day and time `months` later (or earlier), clamped to shorter months' last day."""
    return anchor + relativedelta(months=months)


def as_utc(moment: datetime, field: str = "now") -> datetime:
    """`moment` in UTC; a naive datetime is refused, naming `field`."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(field, f"{field} must be a timezone-aware datetime (a naive one is ambiguous)")
    return moment.astimezone(UTC)
