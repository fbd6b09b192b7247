"""Who may go on the beach: each refusal reason, the 12-month limit and the dunning offer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pause.domain.eligibility import Eligibility, check_eligibility, pauses_in_last_12_months
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionStatus, SubscriptionView
from shared.calendar import add_months
from shared.money import Money

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
POLICY = PausePolicy()


def subscription(
    status: SubscriptionStatus = "active",
    *,
    open_dunning_case: bool = False,
    dunning_offer_open: bool = False,
    period_end: datetime = NOW + timedelta(days=10),
) -> SubscriptionView:
    return SubscriptionView(
        id="sub_1",
        customer_id="cus_1",
        plan_code="basic",
        price=Money.of(1500, "USD"),
        beach_fee=None,
        status=status,
        current_period_start=period_end - timedelta(days=30),
        current_period_end=period_end,
        open_dunning_case=open_dunning_case,
        dunning_offer_open=dunning_offer_open,
    )


def pause(
    starts_at: datetime,
    status: PauseStatus = PauseStatus.ENDED,
    *,
    months: int = 1,
    subscription_id: str = "sub_1",
    started: bool = True,
) -> BeachPause:
    """A pause as the repository would load it."""
    return BeachPause(
        id=f"bp_{starts_at:%Y%m%d}",
        subscription_id=subscription_id,
        customer_id="cus_1",
        months=months,
        starts_at=starts_at,
        resumes_at=add_months(starts_at, months),
        fee_per_month=Money.of(100, "USD"),
        source="portal",
        status=status,
        created_at=starts_at - timedelta(days=5),
        started_at=starts_at if started else None,
    )


def check(
    view: SubscriptionView | None = None,
    pauses: Sequence[BeachPause] = (),
    now: datetime = NOW,
    policy: PausePolicy = POLICY,
    *,
    dunning_offer: bool = False,
) -> Eligibility:
    return check_eligibility(view or subscription(), pauses, now, policy, dunning_offer=dunning_offer)


def test_an_active_subscription_with_no_pauses_is_eligible() -> None:
    assert check() == Eligibility(eligible=True, reason=None, message=None)


def test_a_past_due_subscription_without_a_dunning_case_is_eligible() -> None:
    assert check(subscription("past_due")).eligible


def test_an_unknown_subscription_is_refused() -> None:
    result = check_eligibility(None, [], NOW, POLICY)

    assert (result.eligible, result.reason) == (False, "unknown_subscription")


def test_a_canceled_subscription_is_refused_before_anything_else() -> None:
    result = check(subscription("canceled", open_dunning_case=True), [pause(NOW, PauseStatus.ACTIVE)])

    assert result.reason == "canceled"


@pytest.mark.parametrize("status", [PauseStatus.SCHEDULED, PauseStatus.ACTIVE])
def test_a_subscription_with_a_scheduled_or_active_pause_is_already_paused(status: PauseStatus) -> None:
    current = pause(NOW + timedelta(days=3), status, started=status is PauseStatus.ACTIVE)

    result = check(pauses=[current])

    assert result.reason == "already_paused"
    assert result.message is not None
    assert "18 July 2026" in result.message


def test_a_subscription_billing_reports_as_paused_is_already_paused() -> None:
    assert check(subscription("paused")).reason == "already_paused"


def test_ended_and_canceled_pauses_do_not_block_a_new_one() -> None:
    history = [
        pause(NOW - timedelta(days=200)),
        pause(NOW - timedelta(days=20), PauseStatus.CANCELED, started=False),
    ]

    assert check(pauses=history).eligible


def test_pauses_of_other_subscriptions_are_ignored() -> None:
    others = [
        pause(NOW, PauseStatus.ACTIVE, subscription_id="sub_2"),
        pause(NOW - timedelta(days=100), subscription_id="sub_2"),
        pause(NOW - timedelta(days=200), subscription_id="sub_2"),
    ]

    assert check(pauses=others).eligible


class TestDunning:
    def test_an_open_dunning_case_refuses_an_ordinary_pause(self) -> None:
        result = check(subscription("past_due", open_dunning_case=True, dunning_offer_open=True))

        assert result.reason == "open_dunning_case"

    def test_the_dunning_offer_is_allowed_while_the_case_is_open(self) -> None:
        view = subscription("past_due", open_dunning_case=True, dunning_offer_open=True)

        assert check(view, dunning_offer=True).eligible

    def test_asking_for_the_dunning_offer_before_dunning_made_it_is_refused_for_the_open_case(self) -> None:
        view = subscription("past_due", open_dunning_case=True, dunning_offer_open=False)

        assert check(view, dunning_offer=True).reason == "open_dunning_case"

    def test_a_stale_offer_link_after_the_case_closed_is_refused(self) -> None:
        result = check(subscription("active"), dunning_offer=True)

        assert result.reason == "dunning_offer_closed"

    def test_the_dunning_offer_still_respects_the_12_month_limit(self) -> None:
        view = subscription("past_due", open_dunning_case=True, dunning_offer_open=True)
        history = [pause(NOW - timedelta(days=60)), pause(NOW - timedelta(days=150))]

        assert check(view, history, dunning_offer=True).reason == "too_many_pauses"

    def test_the_dunning_offer_does_not_allow_a_second_pause_at_once(self) -> None:
        view = subscription("past_due", open_dunning_case=True, dunning_offer_open=True)

        result = check(
            view, [pause(NOW + timedelta(days=3), PauseStatus.SCHEDULED, started=False)], dunning_offer=True
        )

        assert result.reason == "already_paused"


class TestTwelveMonthLimit:
    OLDEST = datetime(2025, 8, 1, 10, 0, tzinfo=UTC)
    HISTORY = (pause(OLDEST), pause(datetime(2026, 2, 1, 10, 0, tzinfo=UTC), months=2))

    def test_the_third_pause_in_12_months_is_refused(self) -> None:
        result = check(pauses=self.HISTORY)

        assert (result.eligible, result.reason) == (False, "too_many_pauses")
        assert result.message is not None
        assert "1 August 2026" in result.message

    def test_a_third_pause_is_allowed_again_once_the_oldest_is_12_months_old(self) -> None:
        anniversary = add_months(self.OLDEST, 12)

        assert (
            check(pauses=self.HISTORY, now=anniversary - timedelta(microseconds=1)).reason
            == "too_many_pauses"
        )
        assert check(pauses=self.HISTORY, now=anniversary).eligible

    def test_a_pause_from_the_29th_of_february_stops_counting_on_the_28th_a_year_later(self) -> None:
        history = [pause(datetime(2028, 2, 29, tzinfo=UTC)), pause(datetime(2028, 9, 1, tzinfo=UTC))]

        assert check(pauses=history, now=datetime(2029, 2, 27, 23, tzinfo=UTC)).reason == "too_many_pauses"
        assert check(pauses=history, now=datetime(2029, 2, 28, tzinfo=UTC)).eligible

    def test_a_pause_called_off_before_it_began_does_not_count(self) -> None:
        history = [self.HISTORY[1], pause(NOW - timedelta(days=30), PauseStatus.CANCELED, started=False)]

        assert check(pauses=history).eligible

    def test_a_pause_canceled_after_it_began_counts(self) -> None:
        history = [self.HISTORY[1], pause(NOW - timedelta(days=30), PauseStatus.CANCELED)]

        assert check(pauses=history).reason == "too_many_pauses"

    def test_pauses_count_by_their_start_not_by_when_they_were_requested(self) -> None:
        requested_long_ago = pause(add_months(NOW, -12) + timedelta(days=1))
        requested_long_ago.created_at = add_months(NOW, -13)

        assert pauses_in_last_12_months([requested_long_ago], NOW) == [requested_long_ago]

    def test_a_plan_allowing_three_pauses_allows_the_third(self) -> None:
        assert check(pauses=self.HISTORY, policy=PausePolicy(max_pauses_per_12_months=3)).eligible

    def test_a_plan_without_breaks_refuses_every_pause_with_a_clear_message(self) -> None:
        result = check(policy=PausePolicy(max_pauses_per_12_months=0))

        assert result.reason == "too_many_pauses"
        assert result.message == "Breaks aren't part of this plan, sorry."


@pytest.mark.parametrize(
    ("view", "pauses", "dunning_offer"),
    [
        (None, [], False),
        (subscription("canceled"), [], False),
        (subscription(), [pause(NOW, PauseStatus.ACTIVE)], False),
        (subscription("paused"), [], False),
        (subscription(open_dunning_case=True), [], False),
        (subscription(), [], True),
        (subscription(), [pause(NOW - timedelta(days=30)), pause(NOW - timedelta(days=90))], False),
    ],
)
def test_every_refusal_carries_a_friendly_sentence(
    view: SubscriptionView | None, pauses: list[BeachPause], dunning_offer: bool
) -> None:
    result = check_eligibility(view, pauses, NOW, POLICY, dunning_offer=dunning_offer)

    assert not result.eligible
    assert result.reason is not None
    assert result.message is not None
    assert result.message[0].isupper()
    assert result.message.endswith(".")
    assert "_" not in result.message


@given(gaps=st.lists(st.integers(1, 200), min_size=1, max_size=30))
def test_a_customer_who_pauses_whenever_allowed_never_starts_more_than_two_in_12_months(
    gaps: list[int],
) -> None:
    """Simulates the portal: each visit takes a 1-month pause if allowed, starting that day."""
    pauses: list[BeachPause] = []
    now = NOW
    for gap in gaps:
        now += timedelta(days=gap)
        if pauses and pauses[-1].status is PauseStatus.ACTIVE and pauses[-1].is_due_to_end(now):
            pauses[-1].end(now)
        view = subscription(period_end=now)
        result = check_eligibility(view, pauses, now, POLICY)
        recent = [p for p in pauses if now < add_months(p.starts_at, 12)]
        busy = bool(pauses) and pauses[-1].status is PauseStatus.ACTIVE
        assert result.eligible == (not busy and len(recent) < 2)
        if result.eligible:
            pauses.append(BeachPause.schedule(view, 1, now, POLICY, "portal"))
            pauses[-1].start(now)

    starts = [p.starts_at for p in pauses]
    assert all(later >= add_months(earlier, 12) for earlier, later in zip(starts, starts[2:], strict=False))
