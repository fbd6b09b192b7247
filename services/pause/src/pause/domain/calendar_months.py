"""Calendar-month arithmetic in UTC, with month ends clamped.

Customers pick pauses in months, not in days: a one-month pause from 31 January must
resume at the end of February, not on 2 or 3 March. Every date is computed from one
anchor (the pause's start), never step by step, so clamping in a short month never
drifts into the months after it.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from shared.errors import DomainError


def add_months(anchor: datetime, months: int) -> datetime:
    """The same day and time `months` later (or earlier), clamped to shorter months' last day."""
    month_index = anchor.month - 1 + months
    year, month = anchor.year + month_index // 12, month_index % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return anchor.replace(year=year, month=month, day=day)


def as_utc(moment: datetime, field: str = "now") -> datetime:
    """Refuse naive datetimes and normalise to UTC, so month arithmetic never meets DST."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(field, f"{field} must be a timezone-aware datetime")
    return moment.astimezone(UTC)
