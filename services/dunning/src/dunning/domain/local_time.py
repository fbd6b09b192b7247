"""Time as the customer lives it: quiet hours and paydays in their own timezone.

Everything else in dunning works in UTC, where "3 days later" is 72 hours. Quiet hours
and paydays are wall-clock ideas, so they are computed in the customer's IANA zone and
turned straight back into UTC. Aware datetimes compare by wall clock when they share a
tzinfo, which goes wrong around DST changes, so every comparison here is made in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.calendar import as_utc

MAX_QUIET_SPAN = timedelta(hours=12)


@lru_cache(maxsize=1024)
def customer_zone(name: str) -> ZoneInfo:
    """The customer's IANA zone; an unknown name is a caller error, not a guess at UTC.

    Remembered by name (an unknown one is refused every time): a case asks for its zone
    at every step of its schedule, and `ZoneInfo`'s own cache keeps only a few zones."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {name!r}") from exc


# Wall-clock moments repeat across cases: everyone in a zone shares its paydays and the
# ends of its quiet hours, so these are remembered instead of converted for every case.
# Both are pure; the caches only bound how much they remember.
@lru_cache(maxsize=16384)
def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on `day` in `zone`; a wall time skipped by DST lands just after the gap."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=4096)
def _paydays_in(
    year: int, month: int, zone: ZoneInfo, days: tuple[int, ...], clock: time
) -> tuple[datetime, ...]:
    """The month's paydays in UTC, earliest first."""
    return tuple(_at(date(year, month, day), clock, zone) for day in sorted(days))


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which no message reaches the customer, e.g. 21:00 to 08:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times, without a tzinfo")
        if self.start == self.end:
            raise ValueError("quiet hours must start and end at different times")
        if self.span > MAX_QUIET_SPAN:
            raise ValueError(f"quiet hours may last at most {MAX_QUIET_SPAN}, leaving a day to write in")

    @property
    def span(self) -> timedelta:
        today = date(2000, 1, 1)
        length = datetime.combine(today, self.end) - datetime.combine(today, self.start)
        return length if length > timedelta(0) else length + timedelta(days=1)

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        return self._covers(moment.astimezone(zone).time())

    def _covers(self, clock: time) -> bool:
        """Whether a local wall-clock time (naive) is quiet."""
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` if it is outside quiet hours, else the moment they end (in UTC)."""
        moment = as_utc(moment)
        local = moment.astimezone(zone)
        if not self._covers(local.time()):
            return moment
        local_day = local.date()
        candidate = _at(local_day, self.end, zone)
        if candidate <= moment:
            candidate = _at(local_day + timedelta(days=1), self.end, zone)
        return candidate


def next_payday(after: datetime, zone: ZoneInfo, days: tuple[int, ...], clock: time) -> datetime:
    """The first payday (`clock` on one of `days` of the month, local) strictly after `after`."""
    after = as_utc(after)
    local = after.astimezone(zone)
    year, month = local.year, local.month
    for _ in range(3):
        for candidate in _paydays_in(year, month, zone, days, clock):
            if candidate > after:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a payday exists in every month")  # pragma: no cover
