"""A report's `from`/`to`: defaults per report, and the same 422 naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.http.errors import ApiError
from shared.http.report_period import BEGINNING, END_OF_TIME, ReportPeriod

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 1, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, tzinfo=UTC)


def test_a_period_with_both_bounds_is_taken_as_given() -> None:
    period = ReportPeriod.parse(MARCH, APRIL, default_end=NOW)

    assert (period.start, period.end) == (MARCH, APRIL)


def test_without_bounds_a_period_runs_from_the_beginning_to_the_default_end_the_report_chose() -> None:
    assert ReportPeriod.parse(None, None, default_end=END_OF_TIME) == ReportPeriod(BEGINNING, END_OF_TIME)
    assert ReportPeriod.parse(None, None, default_end=NOW) == ReportPeriod(BEGINNING, NOW)
    assert ReportPeriod.parse(MARCH, None, default_end=NOW) == ReportPeriod(MARCH, NOW)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime(2026, 3, 1), None, "from"),  # naive: the mistake under test
        (None, datetime(2026, 3, 1), "to"),
        (MARCH, datetime(2026, 4, 1), "to"),
    ],
)
def test_a_time_without_a_time_zone_is_refused_naming_the_parameter(
    start: datetime | None, end: datetime | None, field: str
) -> None:
    with pytest.raises(ApiError) as refused:
        ReportPeriod.parse(start, end, default_end=NOW)

    assert (refused.value.status, refused.value.type, refused.value.field) == (422, "invalid_request", field)
    assert refused.value.message == f"{field}: give a time zone, e.g. 2026-01-01T00:00:00Z"


@pytest.mark.parametrize("end", [MARCH, datetime(2026, 2, 1, tzinfo=UTC)])
def test_a_period_that_ends_before_or_when_it_starts_is_refused_naming_to(end: datetime) -> None:
    with pytest.raises(ApiError) as refused:
        ReportPeriod.parse(MARCH, end, default_end=NOW)

    assert (refused.value.status, refused.value.field, refused.value.message) == (
        422,
        "to",
        "to: must be after from",
    )


def test_a_default_end_before_the_given_start_is_refused_like_a_given_one() -> None:
    with pytest.raises(ApiError) as refused:
        ReportPeriod.parse(APRIL, None, default_end=NOW)

    assert refused.value.field == "to"
