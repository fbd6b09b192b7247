"""Calendar months for pauses: exact month counts, clamped month ends, UTC only."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.calendar import add_months, as_utc
from shared.errors import DomainError


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def month_number(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """Any UTC moment in 1990-2100, drawing the last days of months often."""
    year, month = draw(st.integers(1990, 2100)), draw(st.integers(1, 12))
    last = days_in(year, month)
    day = draw(st.integers(1, last) | st.integers(last - 3, last))
    return datetime.combine(date(year, month, day), draw(st.times()), UTC)


@given(start=moments(), months=st.integers(-36, 36))
def test_adding_months_moves_exactly_that_many_calendar_months(start: datetime, months: int) -> None:
    assert month_number(add_months(start, months)) - month_number(start) == months


@given(start=moments(), months=st.integers(-36, 36))
def test_adding_months_keeps_the_day_clamped_to_the_target_months_last_day(
    start: datetime, months: int
) -> None:
    result = add_months(start, months)

    assert result.day == min(start.day, days_in(result.year, result.month))


@given(start=moments(), months=st.integers(-36, 36))
def test_adding_months_keeps_the_time_of_day_and_utc(start: datetime, months: int) -> None:
    result = add_months(start, months)

    assert (result.time(), result.tzinfo) == (start.time(), UTC)


@given(start=moments(), months=st.integers(1, 36))
def test_more_months_always_land_later(start: datetime, months: int) -> None:
    assert add_months(start, months - 1) < add_months(start, months)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 1, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 2, datetime(2027, 2, 15, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 12, datetime(2029, 2, 28, tzinfo=UTC)),
        (datetime(2027, 3, 31, tzinfo=UTC), -1, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2027, 1, 15, tzinfo=UTC), -12, datetime(2026, 1, 15, tzinfo=UTC)),
    ],
)
def test_known_month_arithmetic(start: datetime, months: int, expected: datetime) -> None:
    assert add_months(start, months) == expected


def test_naive_datetimes_are_refused_naming_the_field() -> None:
    with pytest.raises(DomainError) as refused:
        as_utc(datetime(2026, 1, 1), "starts_at")

    assert refused.value.field == "starts_at"


def test_other_offsets_are_normalised_to_utc() -> None:
    tokyo = datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=9)))

    assert as_utc(tokyo) == datetime(2026, 1, 1, tzinfo=UTC)
    assert as_utc(tokyo).tzinfo is UTC
