"""The customer's own payment date: the day they want the retry, most often their payday.

The rules are the customer's calendar, not ours: from tomorrow to 14 days ahead in their
timezone, with the retry at 09:00 their time, and inside the case's window so the final
action never overtakes the promise. A customer may change their mind once. Until that
retry is made no reminder is sent and no planned retry jumps ahead of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from shared.calendar import as_utc
from shared.errors import Conflict, DomainError

RETRY_TIME = time(9, 0)
FURTHEST = timedelta(days=14)
CHANGES_ALLOWED = 1


@dataclass(frozen=True)
class ChosenPaymentDate:
    day: date
    retry_at: datetime
    chosen_at: datetime
    choices: int = 1


def retry_moment(day: date, case: DunningCase) -> datetime:
    """09:00 on `day` in the customer's zone, in UTC."""
    return datetime.combine(day, RETRY_TIME, tzinfo=case.zone).astimezone(UTC)


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` and nothing else: the calendar day the customer picked."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("date", "expected a date as YYYY-MM-DD") from None


def choose(case: DunningCase, day: date, now: datetime, window_end: datetime) -> ChosenPaymentDate:
    """Record the customer's day on an open case, or refuse it naming `date`."""
    if not case.is_open:
        raise Conflict("case_id", f"dunning case {case.id} is closed ({case.outcome})", "case_closed")
    earlier = case.payment_date
    if earlier is not None and earlier.day == day:
        return earlier  # the same answer again (a resent form, a retried request) changes nothing
    if earlier is not None and earlier.choices > CHANGES_ALLOWED:
        raise Conflict("date", "the payment date can be changed only once", "payment_date_changed")
    today = as_utc(now).astimezone(case.zone).date()
    if not today + timedelta(days=1) <= day <= today + FURTHEST:
        last = today + FURTHEST
        raise DomainError("date", f"choose a day from {today + timedelta(days=1)} to {last}")
    retry_at = retry_moment(day, case)
    if retry_at >= window_end:
        raise DomainError("date", f"choose a day before {window_end.astimezone(case.zone).date()}")
    chosen = ChosenPaymentDate(day, retry_at, as_utc(now), (earlier.choices + 1) if earlier else 1)
    case.payment_date = chosen
    return chosen


def pending_retry_at(case: DunningCase) -> datetime | None:
    """The chosen day's retry, while it has not been made since the customer chose it."""
    chosen = case.payment_date
    if chosen is None:
        return None
    made = any(r.reason is RetryReason.CUSTOMER_DATE and r.at >= chosen.chosen_at for r in case.retries)
    return None if made else chosen.retry_at
