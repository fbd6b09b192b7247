"""The subscription life cycle: start, renew, past due, on the beach, resume and cancel."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from billing.domain.periods import period
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.calendar import add_months
from shared.contracts.billing import (
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from shared.errors import InvalidTransition
from shared.money import Money

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
MONTHLY = Plan.define(code="basic", name="Basic", amount=1500, currency="EUR", interval="month")
YEARLY = Plan.define(code="basic-yearly", name="Basic yearly", amount=15000, currency="EUR", interval="year")


def start(at: datetime = NOW, plan: Plan = MONTHLY) -> Subscription:
    return Subscription.start(customer_id="cus_1", plan=plan, now=at)


def in_state(status: SubscriptionStatus) -> Subscription:
    """A subscription brought to `status` through its own transitions, with its events cleared."""
    subscription = start()
    if status is SubscriptionStatus.PAST_DUE:
        subscription.mark_past_due("in_1", "insufficient_funds")
    elif status is SubscriptionStatus.PAUSED:
        subscription.pause(pause_id="pa_1", at=NOW, resumes_at=add_months(NOW, 2))
    elif status is SubscriptionStatus.CANCELED:
        subscription.cancel(at=NOW, reason="too expensive", requested_by="customer")
    assert subscription.status is status
    subscription.events.clear()
    return subscription


def collect_fee_months(subscription: Subscription, until: datetime) -> list[tuple[datetime, datetime]]:
    """What a billing run that ran at every moment up to `until` would charge."""
    months = []
    while subscription.beach_fee_due(until):
        months.append(subscription.beach_month())
        assert len(months) <= 100, "the beach fee schedule never ends"
    return months


@st.composite
def anchors(draw: st.DrawFn) -> datetime:
    year = draw(st.integers(1990, 2100))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.integers(1, last) | st.integers(last - 3, last))
    return datetime.combine(date(year, month, day), draw(st.times()), UTC)


# -- start ---------------------------------------------------------------------------------------------


def test_starting_a_subscription_makes_it_active_and_anchored_at_the_start() -> None:
    subscription = start()

    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.billing_anchor == NOW
    assert subscription.period_index == 0
    assert subscription.price == Money.of(1500, "EUR")
    assert subscription.beach_fee == Money.of(100, "EUR")
    assert (subscription.current_period_start, subscription.current_period_end) == (
        NOW,
        datetime(2026, 2, 15, 9, 30, tzinfo=UTC),
    )


def test_starting_a_subscription_records_one_subscription_created_with_the_first_period() -> None:
    subscription = start(plan=YEARLY)

    assert len(subscription.events) == 1
    event = subscription.events[0]
    assert isinstance(event, SubscriptionCreated)
    assert event.subscription_id == subscription.id
    assert event.customer_id == "cus_1"
    assert event.plan_code == "basic-yearly"
    assert event.price == Money.of(15000, "EUR")
    assert event.interval == "year"
    assert event.beach_fee == Money.of(100, "EUR")
    assert event.status == "active"
    assert event.current_period_start == NOW
    assert event.current_period_end == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)


# -- renewal -------------------------------------------------------------------------------------------


def test_renewing_moves_exactly_one_period_and_records_subscription_renewed_with_the_invoice_id() -> None:
    subscription = start()
    subscription.events.clear()

    subscription.renew("in_42")

    assert subscription.period_index == 1
    assert subscription.current_period_start == datetime(2026, 2, 15, 9, 30, tzinfo=UTC)
    assert subscription.current_period_end == datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
    assert len(subscription.events) == 1
    event = subscription.events[0]
    assert isinstance(event, SubscriptionRenewed)
    assert event.invoice_id == "in_42"
    assert event.subscription_id == subscription.id
    assert event.plan_code == "basic"
    assert event.current_period_start == subscription.current_period_start
    assert event.current_period_end == subscription.current_period_end


@given(anchor=anchors(), renewals=st.integers(1, 40), plan=st.sampled_from([MONTHLY, YEARLY]))
def test_renewing_n_times_lands_on_the_nth_period_from_the_anchor(
    anchor: datetime, renewals: int, plan: Plan
) -> None:
    subscription = start(anchor, plan)

    for number in range(renewals):
        previous_end = subscription.current_period_end
        subscription.renew(f"in_{number}")
        assert subscription.current_period_start == previous_end

    assert subscription.period_index == renewals
    assert (subscription.current_period_start, subscription.current_period_end) == period(
        anchor, renewals, plan.interval
    )
    assert subscription.billing_anchor == anchor
    assert [type(event) for event in subscription.events] == [SubscriptionCreated] + [
        SubscriptionRenewed
    ] * renewals


def test_the_next_period_is_the_one_after_the_current_period() -> None:
    subscription = start(datetime(2026, 1, 31, tzinfo=UTC))

    assert subscription.next_period() == (
        datetime(2026, 2, 28, tzinfo=UTC),
        datetime(2026, 3, 31, tzinfo=UTC),
    )


def test_an_active_subscription_is_due_for_renewal_once_its_period_has_ended() -> None:
    subscription = start()
    end = subscription.current_period_end

    assert not subscription.is_due_for_renewal(end - timedelta(microseconds=1))
    assert subscription.is_due_for_renewal(end)
    assert subscription.is_due_for_renewal(end + timedelta(days=400))


@pytest.mark.parametrize(
    "status", [SubscriptionStatus.PAST_DUE, SubscriptionStatus.PAUSED, SubscriptionStatus.CANCELED]
)
def test_only_an_active_subscription_is_due_for_renewal(status: SubscriptionStatus) -> None:
    subscription = in_state(status)

    assert not subscription.is_due_for_renewal(subscription.current_period_end + timedelta(days=400))


# -- past due ------------------------------------------------------------------------------------------


def test_marking_past_due_records_subscription_past_due_once() -> None:
    subscription = in_state(SubscriptionStatus.ACTIVE)

    subscription.mark_past_due("in_7", "expired_card")
    subscription.mark_past_due("in_7", "expired_card")
    subscription.mark_past_due("in_8", None)

    assert subscription.status is SubscriptionStatus.PAST_DUE
    assert len(subscription.events) == 1
    event = subscription.events[0]
    assert isinstance(event, SubscriptionPastDue)
    assert event.invoice_id == "in_7"
    assert event.decline_code == "expired_card"


def test_being_paid_up_returns_a_past_due_subscription_to_active_without_an_event() -> None:
    subscription = in_state(SubscriptionStatus.PAST_DUE)

    subscription.mark_paid_up()

    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.events == []


# -- on the beach --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE])
def test_pausing_records_subscription_paused_and_schedules_the_first_beach_fee_at_the_pause_start(
    status: SubscriptionStatus,
) -> None:
    subscription = in_state(status)
    at, resumes_at = datetime(2026, 2, 15, tzinfo=UTC), datetime(2026, 4, 15, tzinfo=UTC)

    subscription.pause(pause_id="pa_9", at=at, resumes_at=resumes_at)

    assert subscription.status is SubscriptionStatus.PAUSED
    assert subscription.pause_id == "pa_9"
    assert subscription.pause_resumes_at == resumes_at
    assert subscription.next_beach_fee_at == at
    assert len(subscription.events) == 1
    event = subscription.events[0]
    assert isinstance(event, SubscriptionPaused)
    assert event.pause_id == "pa_9"
    assert event.paused_at == at
    assert event.resumes_at == resumes_at


def test_the_first_beach_fee_is_due_at_the_pause_start_and_not_before() -> None:
    subscription = in_state(SubscriptionStatus.ACTIVE)
    at = datetime(2026, 2, 15, tzinfo=UTC)
    subscription.pause(pause_id="pa_1", at=at, resumes_at=add_months(at, 1))

    assert not subscription.beach_fee_due(at - timedelta(microseconds=1))
    assert subscription.beach_fee_due(at)


def test_a_two_month_pause_yields_exactly_two_fee_months_up_to_the_resume_date() -> None:
    subscription = in_state(SubscriptionStatus.ACTIVE)
    at, resumes_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC), datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
    subscription.pause(pause_id="pa_1", at=at, resumes_at=resumes_at)

    first = subscription.beach_month()
    assert not subscription.beach_fee_due(datetime(2026, 2, 15, 9, 29, tzinfo=UTC))
    assert subscription.beach_fee_due(datetime(2026, 2, 15, 9, 30, tzinfo=UTC))
    second = subscription.beach_month()

    assert first == (at, datetime(2026, 2, 15, 9, 30, tzinfo=UTC))
    assert second == (datetime(2026, 2, 15, 9, 30, tzinfo=UTC), resumes_at)
    assert not subscription.beach_fee_due(resumes_at + timedelta(days=365))


@given(at=anchors(), months=st.integers(1, 3))
@example(at=datetime(2026, 1, 31, tzinfo=UTC), months=2)
def test_a_pause_of_n_whole_months_charges_exactly_n_fee_months_counted_from_the_pause_start(
    at: datetime, months: int
) -> None:
    subscription = in_state(SubscriptionStatus.ACTIVE)
    resumes_at = add_months(at, months)
    subscription.pause(pause_id="pa_1", at=at, resumes_at=resumes_at)

    fee_months = collect_fee_months(subscription, until=resumes_at + timedelta(days=365))

    assert fee_months == [period(at, index, "month") for index in range(months)]


@pytest.mark.parametrize("status", [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE])
def test_no_beach_fee_is_due_unless_paused(status: SubscriptionStatus) -> None:
    subscription = in_state(status)

    assert not subscription.beach_fee_due(NOW + timedelta(days=365))


def test_no_beach_fee_is_due_once_resumed_or_canceled() -> None:
    resumed, canceled = in_state(SubscriptionStatus.PAUSED), in_state(SubscriptionStatus.PAUSED)
    resumed.resume(at=NOW + timedelta(days=3), pause_id="pa_1")
    canceled.cancel(at=NOW + timedelta(days=3), reason=None, requested_by="customer")

    assert not resumed.beach_fee_due(NOW + timedelta(days=365))
    assert not canceled.beach_fee_due(NOW + timedelta(days=365))


# -- resume --------------------------------------------------------------------------------------------


def test_resuming_starts_a_new_period_on_the_resume_date_and_records_subscription_resumed() -> None:
    subscription = in_state(SubscriptionStatus.ACTIVE)
    subscription.renew("in_1")
    subscription.pause(pause_id="pa_3", at=NOW, resumes_at=add_months(NOW, 2))
    subscription.events.clear()
    resumed_at = datetime(2026, 3, 3, 17, 45, tzinfo=UTC)

    subscription.resume(at=resumed_at, pause_id="pa_3")

    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.billing_anchor == resumed_at
    assert subscription.period_index == 0
    assert subscription.current_period_start == resumed_at
    assert subscription.current_period_end == datetime(2026, 4, 3, 17, 45, tzinfo=UTC)
    assert (subscription.pause_id, subscription.pause_resumes_at, subscription.next_beach_fee_at) == (
        None,
        None,
        None,
    )
    assert len(subscription.events) == 1
    event = subscription.events[0]
    assert isinstance(event, SubscriptionResumed)
    assert event.pause_id == "pa_3"
    assert event.current_period_start == resumed_at
    assert event.current_period_end == datetime(2026, 4, 3, 17, 45, tzinfo=UTC)


def test_after_resuming_renewals_follow_the_new_anchor() -> None:
    subscription = in_state(SubscriptionStatus.PAUSED)
    resumed_at = datetime(2026, 5, 31, tzinfo=UTC)
    subscription.resume(at=resumed_at, pause_id=None)

    subscription.renew("in_2")
    subscription.renew("in_3")

    assert subscription.current_period_start == datetime(2026, 7, 31, tzinfo=UTC)
    assert subscription.current_period_end == datetime(2026, 8, 31, tzinfo=UTC)


# -- cancel --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.PAUSED]
)
def test_canceling_records_subscription_canceled_once(status: SubscriptionStatus) -> None:
    subscription = in_state(status)
    at = datetime(2026, 2, 1, tzinfo=UTC)

    subscription.cancel(at=at, reason="moving abroad", requested_by="customer")
    subscription.cancel(at=at + timedelta(days=1), reason="again", requested_by="admin")

    assert subscription.status is SubscriptionStatus.CANCELED
    assert subscription.canceled_at == at
    assert subscription.cancel_reason == "moving abroad"
    assert len(subscription.events) == 1
    event = subscription.events[0]
    assert isinstance(event, SubscriptionCanceled)
    assert event.canceled_at == at
    assert event.reason == "moving abroad"
    assert event.requested_by == "customer"


# -- every (state, action) pair ------------------------------------------------------------------------

ACTIVE, PAST_DUE, PAUSED, CANCELED = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.PAUSED,
    SubscriptionStatus.CANCELED,
)
LATER = NOW + timedelta(days=10)
ACTIONS: dict[str, Callable[[Subscription], object]] = {
    "renew": lambda s: s.renew("in_9"),
    "mark_past_due": lambda s: s.mark_past_due("in_9", "card_declined"),
    "mark_paid_up": lambda s: s.mark_paid_up(),
    "pause": lambda s: s.pause(pause_id="pa_9", at=LATER, resumes_at=add_months(LATER, 1)),
    "beach_month": lambda s: s.beach_month(),
    "resume": lambda s: s.resume(at=LATER, pause_id="pa_1"),
    "cancel": lambda s: s.cancel(at=LATER, reason=None, requested_by="dunning"),
}
# (state, action) -> (status afterwards, event recorded) or None when the action is refused.
TRANSITIONS: dict[tuple[SubscriptionStatus, str], tuple[SubscriptionStatus, type | None] | None] = {
    (ACTIVE, "renew"): (ACTIVE, SubscriptionRenewed),
    (PAST_DUE, "renew"): None,
    (PAUSED, "renew"): None,
    (CANCELED, "renew"): None,
    (ACTIVE, "mark_past_due"): (PAST_DUE, SubscriptionPastDue),
    (PAST_DUE, "mark_past_due"): (PAST_DUE, None),
    (PAUSED, "mark_past_due"): None,
    (CANCELED, "mark_past_due"): None,
    (ACTIVE, "mark_paid_up"): (ACTIVE, None),
    (PAST_DUE, "mark_paid_up"): (ACTIVE, None),
    (PAUSED, "mark_paid_up"): (PAUSED, None),
    (CANCELED, "mark_paid_up"): (CANCELED, None),
    (ACTIVE, "pause"): (PAUSED, SubscriptionPaused),
    (PAST_DUE, "pause"): (PAUSED, SubscriptionPaused),
    (PAUSED, "pause"): None,
    (CANCELED, "pause"): None,
    (ACTIVE, "beach_month"): None,
    (PAST_DUE, "beach_month"): None,
    (PAUSED, "beach_month"): (PAUSED, None),
    (CANCELED, "beach_month"): None,
    (ACTIVE, "resume"): None,
    (PAST_DUE, "resume"): None,
    (PAUSED, "resume"): (ACTIVE, SubscriptionResumed),
    (CANCELED, "resume"): None,
    (ACTIVE, "cancel"): (CANCELED, SubscriptionCanceled),
    (PAST_DUE, "cancel"): (CANCELED, SubscriptionCanceled),
    (PAUSED, "cancel"): (CANCELED, SubscriptionCanceled),
    (CANCELED, "cancel"): (CANCELED, None),
}


def test_the_transition_table_covers_every_state_and_action() -> None:
    assert set(TRANSITIONS) == {(status, action) for status in SubscriptionStatus for action in ACTIONS}


@pytest.mark.parametrize(
    ("status", "action"),
    list(TRANSITIONS),
    ids=[f"{status.value}-{action}" for status, action in TRANSITIONS],
)
def test_each_action_is_allowed_or_refused_according_to_the_state(
    status: SubscriptionStatus, action: str
) -> None:
    subscription = in_state(status)
    expected = TRANSITIONS[(status, action)]

    if expected is None:
        with pytest.raises(InvalidTransition) as caught:
            ACTIONS[action](subscription)
        assert caught.value.field == "status"
        assert caught.value.current == status.value
        assert subscription.status is status
        assert subscription.events == []
    else:
        ACTIONS[action](subscription)
        after, event = expected
        assert subscription.status is after
        assert [type(e) for e in subscription.events] == ([event] if event else [])
