"""The clock: system time is aware UTC; the test clock only moves forwards, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.clock import SystemClock, TestClock, clock_for

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PARIS_SUMMER = timezone(timedelta(hours=2))


def test_system_clock_returns_an_aware_utc_datetime_close_to_now() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)

    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_test_clock_stays_frozen_until_moved() -> None:
    clock = TestClock(T0)

    assert clock.now() == T0
    assert clock.now() == T0


def test_test_clock_moves_forwards_when_told() -> None:
    clock = TestClock(T0)

    clock.move_to(T0 + timedelta(days=3))

    assert clock.now() == T0 + timedelta(days=3)


def test_test_clock_refuses_to_move_backwards_and_keeps_its_time() -> None:
    clock = TestClock(T0)

    with pytest.raises(ValueError, match="backwards"):
        clock.move_to(T0 - timedelta(seconds=1))
    assert clock.now() == T0


def test_test_clock_refuses_to_move_to_a_naive_datetime() -> None:
    clock = TestClock(T0)

    with pytest.raises(ValueError, match="aware"):
        clock.move_to(datetime(2026, 4, 1, 12, 0))
    assert clock.now() == T0


def test_test_clock_refuses_to_start_at_a_naive_datetime() -> None:
    # A naive start would be read in the machine's local timezone, so the same test
    # would see a different "now" on a developer's laptop and on CI.
    with pytest.raises(ValueError, match="aware"):
        TestClock(datetime(2026, 3, 1, 12, 0))


def test_test_clock_normalises_its_start_to_utc() -> None:
    clock = TestClock(datetime(2026, 3, 1, 14, 0, tzinfo=PARIS_SUMMER))

    assert clock.now() == T0
    assert clock.now().utcoffset() == timedelta(0)


def test_test_clock_normalises_a_move_to_utc() -> None:
    clock = TestClock(T0)

    clock.move_to(datetime(2026, 3, 2, 14, 0, tzinfo=PARIS_SUMMER))

    assert clock.now() == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)


def test_a_moment_in_another_timezone_that_is_earlier_in_utc_is_refused() -> None:
    clock = TestClock(T0)

    # 13:00 at +02:00 is 11:00 UTC: an hour before the clock's time.
    with pytest.raises(ValueError, match="backwards"):
        clock.move_to(datetime(2026, 3, 1, 13, 0, tzinfo=PARIS_SUMMER))


@given(offsets=st.lists(st.integers(min_value=-(10**6), max_value=10**6), max_size=20))
def test_test_clock_never_goes_backwards_whatever_it_is_asked(offsets: list[int]) -> None:
    clock = TestClock(T0)
    for offset in offsets:
        before = clock.now()
        target = T0 + timedelta(seconds=offset)
        if target < before:
            with pytest.raises(ValueError, match="backwards"):
                clock.move_to(target)
            assert clock.now() == before
        else:
            clock.move_to(target)
            assert clock.now() == target


def test_clock_for_test_gives_a_test_clock_and_otherwise_the_system_clock() -> None:
    assert isinstance(clock_for("test"), TestClock)
    assert isinstance(clock_for("system"), SystemClock)
