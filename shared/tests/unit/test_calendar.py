"""Month steps: the same clamping as `dateutil.relativedelta`, which they replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from shared.calendar import add_months

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31), timezones=ZONES)


@given(MOMENTS, st.integers(min_value=-600, max_value=600))
def test_a_month_step_is_what_relativedelta_gives(anchor: datetime, months: int) -> None:
    stepped = add_months(anchor, months)
    assert stepped == anchor + relativedelta(months=months)
    assert (stepped.tzinfo, stepped.time()) == (anchor.tzinfo, anchor.time())


def test_month_ends_clamp_without_drifting() -> None:
    jan_31 = datetime(2028, 1, 31, 9, 30, tzinfo=UTC)
    assert [add_months(jan_31, n).day for n in range(4)] == [31, 29, 31, 30]
    assert add_months(jan_31, -2) == datetime(2027, 11, 30, 9, 30, tzinfo=UTC)
    assert add_months(jan_31, 13) == datetime(2029, 2, 28, 9, 30, tzinfo=UTC)
