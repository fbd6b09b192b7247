"""What a pause costs: the fee per month by currency and plan, and the months it is owed for."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pause.domain.pause import BeachPause, fee_total, paused_months
from pause.domain.policy import PausePolicy, default_fee
from pause.domain.subscription_view import SubscriptionView
from shared.errors import DomainError
from shared.money import Money

NOW = datetime(2026, 1, 10, tzinfo=UTC)
STARTS = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def subscription(
    currency: str = "USD", beach_fee: Money | None = None, period_end: datetime = STARTS
) -> SubscriptionView:
    return SubscriptionView(
        id="sub_1",
        customer_id="cus_1",
        plan_code="basic",
        price=Money.of(1500, currency),
        beach_fee=beach_fee,
        status="active",
        current_period_start=period_end - timedelta(days=30),
        current_period_end=period_end,
    )


def pause_of(
    months: int, view: SubscriptionView | None = None, policy: PausePolicy | None = None
) -> BeachPause:
    return BeachPause.schedule(view or subscription(), months, NOW, policy or PausePolicy(), "portal")


@pytest.mark.parametrize(("currency", "amount"), [("JPY", 1), ("USD", 100), ("EUR", 100), ("KWD", 1000)])
def test_the_default_fee_is_one_unit_of_the_plan_currency(currency: str, amount: int) -> None:
    assert default_fee(currency) == Money.of(amount, currency)
    assert pause_of(1, subscription(currency)).fee_per_month == Money.of(amount, currency)


def test_the_plans_beach_fee_takes_precedence_over_the_default() -> None:
    view = subscription("USD", beach_fee=Money.of(250, "USD"))

    assert pause_of(1, view).fee_per_month == Money.of(250, "USD")


def test_a_fee_set_in_the_pause_policy_takes_precedence_over_the_plans_beach_fee() -> None:
    view = subscription("USD", beach_fee=Money.of(250, "USD"))
    policy = PausePolicy(fee_per_month=Money.of(50, "USD"))

    assert pause_of(1, view, policy).fee_per_month == Money.of(50, "USD")


def test_a_free_pause_is_possible() -> None:
    pause = pause_of(2, policy=PausePolicy(fee_per_month=Money.zero("USD")))

    assert fee_total(pause) == Money.zero("USD")


def test_a_policy_fee_in_another_currency_than_the_plan_is_refused_naming_fee_per_month() -> None:
    policy = PausePolicy(fee_per_month=Money.of(100, "EUR"))

    with pytest.raises(DomainError) as refused:
        pause_of(1, subscription("USD"), policy)

    assert refused.value.field == "fee_per_month"


def test_a_plan_beach_fee_in_another_currency_than_its_price_is_refused_naming_beach_fee() -> None:
    with pytest.raises(DomainError) as refused:
        subscription("USD", beach_fee=Money.of(100, "EUR"))

    assert refused.value.field == "beach_fee"


def test_a_two_month_pause_owes_two_months() -> None:
    pause = pause_of(2)

    assert paused_months(pause) == [
        (STARTS, datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),
        (datetime(2026, 2, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 31, 12, 0, tzinfo=UTC)),
    ]
    assert fee_total(pause) == Money.of(200, "USD")


def test_fee_months_are_anchored_on_the_start_so_they_do_not_drift_after_february() -> None:
    months = paused_months(pause_of(3))

    assert [start.day for start, _ in months] == [31, 28, 31]
    assert months[-1][1] == datetime(2026, 4, 30, 12, 0, tzinfo=UTC)


def test_a_pause_resumed_early_owes_only_the_months_it_had_begun() -> None:
    pause = pause_of(3)
    pause.start(STARTS)

    pause.resume_early(STARTS + timedelta(days=40))

    assert len(paused_months(pause)) == 2
    assert fee_total(pause) == Money.of(200, "USD")


def test_a_pause_resumed_on_the_day_a_month_would_begin_does_not_owe_that_month() -> None:
    pause = pause_of(3)
    pause.start(STARTS)

    pause.resume_early(datetime(2026, 2, 28, 12, 0, tzinfo=UTC))

    assert len(paused_months(pause)) == 1


def test_a_pause_called_off_before_it_began_owes_nothing() -> None:
    pause = pause_of(2)

    pause.cancel(NOW, "changed my mind")

    assert paused_months(pause) == []
    assert fee_total(pause) == Money.zero("USD")


def test_a_pause_canceled_while_away_owes_the_months_begun() -> None:
    pause = pause_of(3)
    pause.start(STARTS)

    pause.cancel(STARTS + timedelta(days=1), "subscription_canceled")

    assert len(paused_months(pause)) == 1


def test_an_extension_adds_the_extra_months_to_the_fee() -> None:
    pause = pause_of(1, subscription("JPY"))

    pause.extend(2, NOW, PausePolicy())

    assert fee_total(pause) == Money.of(3, "JPY")


@st.composite
def period_ends(draw: st.DrawFn) -> datetime:
    year, month = draw(st.integers(2026, 2099)), draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.integers(1, last) | st.integers(last - 3, last))
    return datetime.combine(date(year, month, day), draw(st.times()), UTC)


@given(end=period_ends(), months=st.sampled_from((1, 2, 3)))
def test_the_fee_months_tile_the_pause_without_gaps_or_overlaps(end: datetime, months: int) -> None:
    pause = pause_of(months, subscription(period_end=end))

    owed = paused_months(pause)

    assert len(owed) == months
    assert owed[0][0] == pause.starts_at
    assert owed[-1][1] == pause.resumes_at
    assert all(earlier[1] == later[0] for earlier, later in pairwise(owed))
    assert all(start < stop for start, stop in owed)
