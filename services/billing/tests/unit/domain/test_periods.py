"""Billing periods: month ends are clamped, times of day kept, and periods chain without gaps."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.periods import period
from shared.calendar import add_months

intervals = st.sampled_from(["month", "year"])


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def month_number(moment: datetime) -> int:
    """Months since year 0, so that calendar months can be counted with subtraction."""
    return moment.year * 12 + moment.month - 1


@st.composite
def anchors(draw: st.DrawFn) -> datetime:
    """Any day of any month in 1990-2100 at any time of day, with month ends drawn often."""
    year = draw(st.integers(1990, 2100))
    month = draw(st.integers(1, 12))
    last = days_in(year, month)
    day = draw(st.integers(1, last) | st.integers(last - 3, last))
    return datetime.combine(date(year, month, day), draw(st.times()), UTC)


@given(anchor=anchors(), months=st.integers(-240, 1200))
def test_adding_months_lands_exactly_that_many_calendar_months_later(anchor: datetime, months: int) -> None:
    assert month_number(add_months(anchor, months)) - month_number(anchor) == months


@given(anchor=anchors(), months=st.integers(-240, 1200))
def test_adding_months_keeps_the_anchor_day_clamped_to_the_last_day_of_the_target_month(
    anchor: datetime, months: int
) -> None:
    result = add_months(anchor, months)

    assert result.day == min(anchor.day, days_in(result.year, result.month))


@given(anchor=anchors(), months=st.integers(-240, 1200))
def test_adding_months_keeps_the_time_of_day_and_the_utc_timezone(anchor: datetime, months: int) -> None:
    result = add_months(anchor, months)

    assert result.timetz() == anchor.timetz()
    assert result.tzinfo is UTC


@given(anchor=anchors())
def test_adding_zero_months_gives_back_the_anchor(anchor: datetime) -> None:
    assert add_months(anchor, 0) == anchor


@given(anchor=anchors(), interval=intervals)
def test_the_first_period_starts_at_the_anchor(anchor: datetime, interval: str) -> None:
    start, _ = period(anchor, 0, interval)  # type: ignore[arg-type]

    assert start == anchor


@given(anchor=anchors(), count=st.integers(1, 60), interval=intervals)
def test_consecutive_periods_are_contiguous_and_strictly_increasing(
    anchor: datetime, count: int, interval: str
) -> None:
    periods = [period(anchor, index, interval) for index in range(count + 1)]  # type: ignore[arg-type]

    for (start, end), (next_start, _) in pairwise(periods):
        assert start < end
        assert end == next_start


@given(anchor=anchors(), index=st.integers(0, 240), interval=intervals)
def test_each_period_spans_exactly_one_interval_of_calendar_months(
    anchor: datetime, index: int, interval: str
) -> None:
    start, end = period(anchor, index, interval)  # type: ignore[arg-type]

    assert month_number(end) - month_number(start) == (12 if interval == "year" else 1)


@given(anchor=anchors(), index=st.integers(0, 240), interval=intervals)
def test_periods_are_computed_from_the_anchor_so_the_day_never_drifts(
    anchor: datetime, index: int, interval: str
) -> None:
    start, end = period(anchor, index, interval)  # type: ignore[arg-type]

    for moment in (start, end):
        assert moment.day == min(anchor.day, days_in(moment.year, moment.month))
        assert moment.timetz() == anchor.timetz()


def test_an_anchor_on_the_31st_comes_back_to_the_31st_after_a_short_month() -> None:
    anchor = datetime(2026, 1, 31, 8, 15, tzinfo=UTC)

    starts = [period(anchor, index, "month")[0] for index in range(5)]

    assert starts == [
        datetime(2026, 1, 31, 8, 15, tzinfo=UTC),
        datetime(2026, 2, 28, 8, 15, tzinfo=UTC),
        datetime(2026, 3, 31, 8, 15, tzinfo=UTC),
        datetime(2026, 4, 30, 8, 15, tzinfo=UTC),
        datetime(2026, 5, 31, 8, 15, tzinfo=UTC),
    ]


def test_an_anchor_on_the_31st_of_january_falls_on_the_29th_of_february_in_a_leap_year() -> None:
    anchor = datetime(2028, 1, 31, tzinfo=UTC)

    assert period(anchor, 0, "month") == (anchor, datetime(2028, 2, 29, tzinfo=UTC))
    assert period(anchor, 1, "month") == (
        datetime(2028, 2, 29, tzinfo=UTC),
        datetime(2028, 3, 31, tzinfo=UTC),
    )


def test_a_yearly_anchor_on_29_february_falls_on_28_february_until_the_next_leap_year() -> None:
    anchor = datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC)

    ends = [period(anchor, index, "year")[1] for index in range(4)]

    assert ends == [
        datetime(2029, 2, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2030, 2, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2031, 2, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2032, 2, 29, 23, 59, 59, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (datetime(2026, 12, 15, 10, 30, tzinfo=UTC), 1, datetime(2027, 1, 15, 10, 30, tzinfo=UTC)),
        (datetime(2026, 12, 31, tzinfo=UTC), 1, datetime(2027, 1, 31, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), 3, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2026, 12, 1, tzinfo=UTC), 25, datetime(2029, 1, 1, tzinfo=UTC)),
        (datetime(2027, 1, 31, tzinfo=UTC), -2, datetime(2026, 11, 30, tzinfo=UTC)),
    ],
    ids=["dec-to-jan", "dec-31-to-jan-31", "nov-30-to-feb-28", "two-years-and-a-month", "back-over-new-year"],
)
def test_adding_months_crosses_the_year_boundary(anchor: datetime, months: int, expected: datetime) -> None:
    assert add_months(anchor, months) == expected


def test_a_monthly_period_starting_in_december_ends_in_january_of_the_next_year() -> None:
    anchor = datetime(2025, 12, 20, 6, 0, tzinfo=UTC)

    assert period(anchor, 0, "month") == (anchor, datetime(2026, 1, 20, 6, 0, tzinfo=UTC))
