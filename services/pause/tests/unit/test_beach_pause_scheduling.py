"""Scheduling a pause: when it starts, when it resumes, what it costs, what is refused."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionStatus, SubscriptionView
from shared.contracts.pause import PauseScheduled, PauseSource, PauseStarted
from shared.errors import DomainError, InvalidTransition
from shared.money import Money

NOW = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)
PERIOD_END = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
POLICY = PausePolicy()


def subscription(
    period_end: datetime = PERIOD_END,
    *,
    status: SubscriptionStatus = "active",
    currency: str = "USD",
    beach_fee: Money | None = None,
) -> SubscriptionView:
    return SubscriptionView(
        id="sub_1",
        customer_id="cus_1",
        plan_code="basic",
        price=Money.of(1500, currency),
        beach_fee=beach_fee,
        status=status,
        current_period_start=period_end - timedelta(days=30),
        current_period_end=period_end,
    )


def schedule(
    months: int = 1, *, source: PauseSource = "portal", view: SubscriptionView | None = None
) -> BeachPause:
    return BeachPause.schedule(view or subscription(), months, NOW, POLICY, source)


def month_number(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def test_a_portal_pause_starts_at_the_end_of_the_paid_period() -> None:
    pause = schedule(2)

    assert (pause.status, pause.starts_at, pause.started_at) == (PauseStatus.SCHEDULED, PERIOD_END, None)
    assert pause.resumes_at == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def test_an_admin_pause_also_waits_for_the_end_of_the_paid_period() -> None:
    pause = schedule(1, source="admin")

    assert (pause.status, pause.starts_at, pause.source) == (PauseStatus.SCHEDULED, PERIOD_END, "admin")


def test_the_dunning_offer_starts_at_once() -> None:
    pause = schedule(1, source="dunning_offer", view=subscription(status="past_due"))

    assert (pause.status, pause.starts_at, pause.started_at) == (PauseStatus.ACTIVE, NOW, NOW)
    assert pause.resumes_at == datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
    assert [type(event) for event in pause.events] == [PauseScheduled, PauseStarted]


def test_a_paid_period_that_already_ended_starts_the_pause_now_not_in_the_past() -> None:
    pause = schedule(1, view=subscription(NOW - timedelta(days=2)))

    assert pause.starts_at == NOW


def test_a_pause_starting_on_the_31st_resumes_on_the_last_day_of_february() -> None:
    assert schedule(1, view=subscription(datetime(2026, 1, 31, tzinfo=UTC))).resumes_at == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert schedule(3, view=subscription(datetime(2026, 1, 31, tzinfo=UTC))).resumes_at == datetime(
        2026, 4, 30, tzinfo=UTC
    )


def test_a_pause_in_a_leap_year_resumes_on_the_29th_of_february() -> None:
    pause = schedule(1, view=subscription(datetime(2028, 1, 31, 8, tzinfo=UTC)))

    assert pause.resumes_at == datetime(2028, 2, 29, 8, tzinfo=UTC)


def test_a_pause_from_the_29th_of_february_keeps_the_29th_in_later_months() -> None:
    pause = schedule(1, view=subscription(datetime(2028, 2, 29, tzinfo=UTC)))

    assert pause.resumes_at == datetime(2028, 3, 29, tzinfo=UTC)


def test_a_pause_crossing_the_year_end_resumes_in_the_new_year() -> None:
    pause = schedule(3, view=subscription(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)))

    assert pause.resumes_at == datetime(2027, 2, 28, 23, 59, tzinfo=UTC)


@st.composite
def period_ends(draw: st.DrawFn) -> datetime:
    """Future period ends in 2026-2099, drawing month ends and leap days often."""
    year, month = draw(st.integers(2026, 2099)), draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.integers(1, last) | st.integers(last - 3, last))
    return datetime.combine(date(year, month, day), draw(st.times()), UTC)


@given(end=period_ends(), months=st.sampled_from(POLICY.durations))
def test_resumes_at_is_exactly_months_calendar_months_after_starts_at_with_clamping(
    end: datetime, months: int
) -> None:
    pause = schedule(months, view=subscription(end))

    assert month_number(pause.resumes_at) - month_number(pause.starts_at) == months
    last_day = calendar.monthrange(pause.resumes_at.year, pause.resumes_at.month)[1]
    assert pause.resumes_at.day == min(pause.starts_at.day, last_day)
    assert pause.resumes_at.time() == pause.starts_at.time()


def test_scheduling_records_the_fact_with_every_agreed_term() -> None:
    pause = schedule(2)

    assert pause.events == [
        PauseScheduled(
            pause_id=pause.id,
            subscription_id="sub_1",
            customer_id="cus_1",
            months=2,
            starts_at=PERIOD_END,
            resumes_at=pause.resumes_at,
            fee_per_month=Money.of(100, "USD"),
            source="portal",
        )
    ]


def test_pause_ids_are_prefixed_and_unique() -> None:
    ids = {schedule().id for _ in range(20)}

    assert len(ids) == 20
    assert all(pause_id.startswith("bp_") and len(pause_id) <= 40 for pause_id in ids)


def test_times_are_stored_in_utc_whatever_offset_the_caller_used() -> None:
    tokyo = timezone(timedelta(hours=9))
    view = subscription(status="past_due")
    first_of_month_in_tokyo = datetime(2026, 2, 1, 8, 0, tzinfo=tokyo)

    pause = BeachPause.schedule(view, 1, first_of_month_in_tokyo, POLICY, "dunning_offer")

    assert pause.created_at == pause.starts_at == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    assert pause.resumes_at == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert {moment.tzinfo for moment in (pause.created_at, pause.starts_at, pause.resumes_at)} == {UTC}


@pytest.mark.parametrize("months", [0, -1, 4, 7, 12])
def test_a_duration_the_policy_does_not_offer_is_refused_naming_months(months: int) -> None:
    with pytest.raises(DomainError) as refused:
        schedule(months)

    assert refused.value.field == "months"
    assert "1, 2, 3" in str(refused.value)


def test_a_duration_that_is_not_a_whole_number_is_refused_naming_months() -> None:
    for months in (True, 1.0, "1"):
        with pytest.raises(DomainError) as refused:
            BeachPause.schedule(subscription(), months, NOW, POLICY, "portal")  # type: ignore[arg-type]
        assert refused.value.field == "months"


def test_only_durations_in_the_plans_policy_are_offered() -> None:
    long_breaks = PausePolicy(durations=(6,), max_total_months=6)

    assert BeachPause.schedule(subscription(), 6, NOW, long_breaks, "portal").months == 6
    with pytest.raises(DomainError, match="6 months"):
        BeachPause.schedule(subscription(), 1, NOW, long_breaks, "portal")


def test_an_unknown_source_is_refused_naming_source() -> None:
    with pytest.raises(DomainError) as refused:
        schedule(source="email")  # type: ignore[arg-type]

    assert refused.value.field == "source"


def test_a_canceled_subscription_cannot_be_paused() -> None:
    with pytest.raises(InvalidTransition) as refused:
        schedule(view=subscription(status="canceled"))

    assert refused.value.field == "status"


def test_a_naive_now_is_refused_naming_now() -> None:
    with pytest.raises(DomainError) as refused:
        BeachPause.schedule(subscription(), 1, NOW.replace(tzinfo=None), POLICY, "portal")

    assert refused.value.field == "now"
