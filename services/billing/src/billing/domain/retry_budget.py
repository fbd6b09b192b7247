"""The card networks' retry limits, as a budget per card that billing never overspends.

Visa allows 15 merchant-initiated attempts on a card in 30 days (20 since 2025);
Mastercard 10 in 24 hours and 35 in 30 days, and both fine merchants who go over. So
every charge billing sends (a renewal, a dunning retry, a beach fee) is counted against
its card in both sliding windows, under every dunning variant, and a charge with no room
waits for the moment the oldest charge in the full window leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(hours=24)
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class BudgetLeft:
    in_24_hours: int
    in_30_days: int

    @property
    def allows_a_charge(self) -> bool:
        return self.in_24_hours > 0 and self.in_30_days > 0


@dataclass(frozen=True)
class RetryBudget:
    per_24_hours: int = 10
    per_30_days: int = 15

    def __post_init__(self) -> None:
        if self.per_24_hours < 1 or self.per_30_days < 1:
            raise ValueError("a card's retry budget must allow at least one charge")
        if self.per_24_hours > self.per_30_days:
            raise ValueError("the 24-hour budget cannot exceed the 30-day budget")

    def left(self, sent: Iterable[datetime], now: datetime) -> BudgetLeft:
        """Charges still allowed on the card at `now`, given when the others were sent."""
        times = list(sent)
        in_day = sum(1 for t in times if now - DAY < t <= now)
        in_month = sum(1 for t in times if now - MONTH < t <= now)
        return BudgetLeft(max(0, self.per_24_hours - in_day), max(0, self.per_30_days - in_month))

    def next_allowed(self, sent: Iterable[datetime], now: datetime) -> datetime:
        """`now` if both windows have room, else the first moment both do.

        A window of length W with limit n has room at `t` once its n-th most recent
        charge is at least W old; both conditions only get easier as `t` grows, so the
        later of the two moments satisfies both.
        """
        times = sorted(t for t in sent if t <= now)
        moment = now
        for limit, window in ((self.per_24_hours, DAY), (self.per_30_days, MONTH)):
            recent = [t for t in times if t > now - window]
            if len(recent) >= limit:
                moment = max(moment, recent[-limit] + window)
        return moment

    def reason(self, sent: Iterable[datetime], now: datetime) -> str:
        """Why a charge waits, as the attempt records it."""
        left, until = self.left(sent, now), self.next_allowed(sent, now)
        spent = "24 hours" if left.in_24_hours == 0 else "30 days"
        limit = self.per_24_hours if left.in_24_hours == 0 else self.per_30_days
        return f"card retry budget: {limit} charges in {spent} used; waits until {until.isoformat()}"
