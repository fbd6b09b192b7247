"""The clock every service asks for "now".

With `CLOCK=test` all services share a simulated time, like Stripe's test clocks, so a
month of renewals, retries and reminders can be run in seconds. Domain code never calls
`datetime.now()`; it is given a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class TestClock:
    """Frozen time that only moves when told to, and never backwards."""

    __test__ = False  # not a pytest test class

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the test clock needs an aware datetime")
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def restore(self, moment: datetime) -> None:
        """Take up a stored simulated time at start, before any work ran (it may lie behind
        the moment this clock was created at, which is the wall-clock time by default)."""
        if moment.tzinfo is None:
            raise ValueError("the test clock needs an aware datetime")
        self._now = moment.astimezone(UTC)

    def move_to(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the test clock needs an aware datetime")
        moment = moment.astimezone(UTC)
        if moment < self._now:
            raise ValueError("the test clock never moves backwards")
        self._now = moment


def clock_for(kind: str, start: datetime | None = None) -> Clock:
    """The system clock, or with `kind="test"` a test clock starting at `start` (default: now)."""
    return TestClock(start) if kind == "test" else SystemClock()
