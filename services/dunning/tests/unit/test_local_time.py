"""Quiet hours and paydays are wall-clock ideas in the customer's zone, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.domain.local_time import QuietHours, customer_zone, next_payday
from dunning.domain.policy import NIGHT
from shared.calendar import as_utc

ZONES = [
    "Pacific/Auckland",
    "America/Los_Angeles",
    "America/New_York",
    "Asia/Kolkata",
    "Europe/Paris",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/Santiago",
    "America/Havana",
    "Pacific/Chatham",
    "UTC",
]
PARIS, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")
moments = st.datetimes(datetime(2024, 1, 1), datetime(2031, 1, 1), timezones=st.just(UTC))


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall_time_exists(day: date, clock: time, zone: ZoneInfo) -> bool:
    """False on the day a DST change skips `clock` (Santiago and Havana change at midnight)."""
    local = datetime.combine(day, clock, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def is_night(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.hour >= 21 or local.hour < 8


@pytest.mark.parametrize(
    ("local_time", "quiet"),
    [((20, 59), False), ((21, 0), True), ((23, 30), True), ((3, 0), True), ((7, 59), True), ((8, 0), False)],
)
def test_night_runs_from_nine_in_the_evening_to_eight_in_the_morning(
    local_time: tuple[int, int], quiet: bool
) -> None:
    moment = datetime(2026, 6, 10, *local_time, tzinfo=PARIS)

    assert NIGHT.contains(moment, PARIS) is quiet


def test_a_message_due_in_the_evening_waits_for_eight_the_next_morning() -> None:
    due = datetime(2026, 6, 10, 23, 0, tzinfo=PARIS)

    assert NIGHT.next_allowed(due, PARIS) == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)


def test_a_message_due_before_dawn_waits_for_eight_the_same_morning() -> None:
    due = datetime(2026, 6, 10, 3, 0, tzinfo=PARIS)

    assert NIGHT.next_allowed(due, PARIS) == datetime(2026, 6, 10, 6, 0, tzinfo=UTC)


def test_a_message_due_in_the_day_goes_at_once() -> None:
    due = datetime(2026, 6, 10, 12, 0, tzinfo=PARIS)

    assert NIGHT.next_allowed(due, PARIS) == due


@pytest.mark.parametrize(
    ("zone", "due", "expected"),
    [
        # Paris springs forward on 29 March 2026: 08:00 CEST is 06:00 UTC, not 07:00.
        (PARIS, datetime(2026, 3, 28, 23, 0, tzinfo=PARIS), utc(2026, 3, 29, 6, 0)),
        # Paris falls back on 25 October 2026: 08:00 CET is 07:00 UTC.
        (PARIS, datetime(2026, 10, 24, 22, 0, tzinfo=PARIS), utc(2026, 10, 25, 7, 0)),
        # New York springs forward on 8 March 2026: 08:00 EDT is 12:00 UTC.
        (NEW_YORK, datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK), utc(2026, 3, 8, 12, 0)),
        # New York falls back on 1 November 2026: 08:00 EST is 13:00 UTC.
        (NEW_YORK, datetime(2026, 10, 31, 23, 0, tzinfo=NEW_YORK), utc(2026, 11, 1, 13, 0)),
        # 01:30 happens twice that night in New York; both wait for the same 08:00.
        (NEW_YORK, utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 13, 0)),
        (NEW_YORK, utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 13, 0)),
    ],
)
def test_the_end_of_the_night_follows_the_local_clock_through_dst_changes(
    zone: ZoneInfo, due: datetime, expected: datetime
) -> None:
    assert NIGHT.next_allowed(due, zone) == expected


def test_quiet_hours_that_do_not_cross_midnight_work_too() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0))
    zone = ZoneInfo("Asia/Kolkata")

    assert lunch.contains(datetime(2026, 6, 10, 13, 0, tzinfo=zone), zone)
    assert not lunch.contains(datetime(2026, 6, 10, 14, 0, tzinfo=zone), zone)
    assert lunch.next_allowed(datetime(2026, 6, 10, 12, 30, tzinfo=zone), zone) == datetime(
        2026, 6, 10, 14, 0, tzinfo=zone
    )


@given(moments, st.sampled_from(ZONES))
def test_the_next_allowed_moment_is_never_at_night_and_never_later_than_needed(
    moment: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)

    allowed = NIGHT.next_allowed(moment, zone)

    assert not is_night(allowed, zone)
    assert moment <= allowed <= moment + NIGHT.span + timedelta(hours=1)
    if not is_night(moment, zone):
        assert allowed == moment


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(21, 0), time(21, 0)), (time(8, 0), time(21, 0)), (time(21, 0, tzinfo=UTC), time(8, 0))],
)
def test_quiet_hours_must_leave_at_least_half_the_day_to_write_in(start: time, end: time) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours(start, end)


@pytest.mark.parametrize(
    ("failed_at", "expected"),
    [
        (datetime(2026, 5, 13, 10, 0, tzinfo=PARIS), datetime(2026, 5, 15, 0, 1, tzinfo=PARIS)),
        (datetime(2026, 5, 2, 10, 0, tzinfo=PARIS), datetime(2026, 5, 15, 0, 1, tzinfo=PARIS)),
        (datetime(2026, 5, 15, 0, 1, tzinfo=PARIS), datetime(2026, 6, 1, 0, 1, tzinfo=PARIS)),
        (datetime(2026, 12, 31, 23, 0, tzinfo=PARIS), datetime(2027, 1, 1, 0, 1, tzinfo=PARIS)),
        # Payday after the spring change: 1 April 00:01 CEST is 31 March 22:01 UTC.
        (datetime(2026, 3, 20, 12, 0, tzinfo=PARIS), utc(2026, 3, 31, 22, 1)),
        # 1 November 00:01 in New York is still EDT (the change comes at 02:00): 04:01 UTC.
        (datetime(2026, 10, 20, 12, 0, tzinfo=NEW_YORK), utc(2026, 11, 1, 4, 1)),
    ],
)
def test_the_next_payday_is_the_next_1st_or_15th_at_one_past_midnight_local(
    failed_at: datetime, expected: datetime
) -> None:
    zone = failed_at.tzinfo
    assert isinstance(zone, ZoneInfo)

    assert next_payday(failed_at, zone, (1, 15), time(0, 1)) == expected


@given(moments, st.sampled_from(ZONES))
def test_a_payday_is_always_a_1st_or_15th_at_0001_local_within_17_days(
    moment: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)

    payday = next_payday(moment, zone, (1, 15), time(0, 1))

    local = payday.astimezone(zone)
    assert moment < payday <= moment + timedelta(days=17)
    assert local.day in (1, 15)
    assert (local.hour, local.minute) == (0, 1) or not wall_time_exists(local.date(), time(0, 1), zone)


def test_an_unknown_timezone_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        customer_zone("Mars/Olympus")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2026, 1, 1))
