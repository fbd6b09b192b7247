"""The retry budget's arithmetic: never more than the networks allow in any window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.retry_budget import DAY, MONTH, RetryBudget

T0 = datetime(2026, 3, 1, tzinfo=UTC)
budgets = st.builds(lambda day, extra: RetryBudget(day, day + extra), st.integers(1, 12), st.integers(0, 20))
wishes = st.lists(st.integers(0, 45 * 24 * 60), min_size=1, max_size=80).map(
    lambda minutes: sorted(T0 + timedelta(minutes=m) for m in minutes)
)


def send_all(budget: RetryBudget, wished: list[datetime]) -> list[datetime]:
    """A sender that wants to charge at each wished moment and waits when over budget."""
    sent: list[datetime] = []
    for wish in wished:
        at = budget.next_allowed(sent, max(wish, sent[-1] if sent else wish))
        assert budget.left(sent, at).allows_a_charge
        sent.append(at)
    return sent


@settings(max_examples=200, deadline=None)
@given(budgets, wishes)
def test_no_window_ever_holds_more_charges_than_the_budget(
    budget: RetryBudget, wished: list[datetime]
) -> None:
    sent = send_all(budget, wished)

    for start in sent:
        assert sum(1 for t in sent if start <= t < start + DAY) <= budget.per_24_hours
        assert sum(1 for t in sent if start <= t < start + MONTH) <= budget.per_30_days


@settings(max_examples=200, deadline=None)
@given(budgets, wishes)
def test_a_charge_waits_no_longer_than_it_must(budget: RetryBudget, wished: list[datetime]) -> None:
    sent = send_all(budget, wished[:-1])
    now = max([wished[-1], *sent])
    at = budget.next_allowed(sent, now)

    assert at >= now
    if at > now:
        assert not budget.left(sent, at - timedelta(seconds=1)).allows_a_charge
    assert budget.left(sent, at).allows_a_charge


def test_the_defaults_are_ten_a_day_and_fifteen_in_thirty_days() -> None:
    budget = RetryBudget()
    hourly = [T0 + timedelta(hours=h) for h in range(10)]

    assert budget.next_allowed(hourly, T0 + timedelta(hours=10)) == T0 + DAY
    daily = [T0 + timedelta(days=d) for d in range(15)]
    assert budget.next_allowed(daily, T0 + timedelta(days=15)) == T0 + MONTH
    assert budget.left(daily, T0 + timedelta(days=15)).in_30_days == 0
    assert "15 charges in 30 days" in budget.reason(daily, T0 + timedelta(days=15))


@pytest.mark.parametrize(("day", "month"), [(0, 15), (10, 0), (16, 15)])
def test_a_budget_that_allows_nothing_or_contradicts_itself_is_refused(day: int, month: int) -> None:
    with pytest.raises(ValueError, match="budget"):
        RetryBudget(day, month)
