"""Calendar arithmetic, once for every service: month steps and UTC.

Periods, beach fees and pauses are counted in calendar months from one anchor, never
step by step, so that a month end clamped in a short month (31 January plus one month
is 28 February) never drifts into the months after it; the clamping is what
`dateutil.relativedelta(months=n)` does, done here directly (a renewal day adds months
for every subscription, and building a `relativedelta` each time cost more than the
rest of the date arithmetic). Every moment is kept in UTC, so adding days means elapsed time
even across a DST change; a naive datetime is refused rather than guessed at.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, datetime

from shared.errors import DomainError


def add_months(anchor: datetime, months: int) -> datetime:
    """The same day and time `months` later (or earlier), clamped to shorter months' last day."""
    year, month = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    month += 1
    return anchor.replace(year=year, month=month, day=min(anchor.day, monthrange(year, month)[1]))


def as_utc(moment: datetime, field: str = "now") -> datetime:
    """`moment` in UTC; a naive datetime is refused, naming `field`."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(field, f"{field} must be a timezone-aware datetime (a naive one is ambiguous)")
    return moment.astimezone(UTC)
