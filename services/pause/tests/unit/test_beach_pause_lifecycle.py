"""The pause state machine: scheduled → active → ended, early resume, extend, cancel, reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionView
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted
from shared.errors import DomainError, InvalidTransition
from shared.money import Money

NOW = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)
STARTS = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
POLICY = PausePolicy()
SECOND = timedelta(seconds=1)


def scheduled(months: int = 1, starts_at: datetime = STARTS) -> BeachPause:
    view = SubscriptionView(
        id="sub_1",
        customer_id="cus_1",
        plan_code="basic",
        price=Money.of(1500, "USD"),
        beach_fee=None,
        status="active",
        current_period_start=starts_at - timedelta(days=31),
        current_period_end=starts_at,
    )
    return BeachPause.schedule(view, months, NOW, POLICY, "portal")


def active(months: int = 1) -> BeachPause:
    pause = scheduled(months)
    pause.start(STARTS)
    return pause


def ended() -> BeachPause:
    pause = active()
    pause.end(pause.resumes_at)
    return pause


def canceled() -> BeachPause:
    pause = scheduled()
    pause.cancel(NOW, "changed my mind")
    return pause


def event_types(pause: BeachPause) -> list[type]:
    return [type(event) for event in pause.events]


class TestStarting:
    def test_a_scheduled_pause_is_not_due_before_its_start(self) -> None:
        pause = scheduled()

        assert not pause.is_due_to_start(STARTS - SECOND)
        assert pause.is_due_to_start(STARTS)

    def test_starting_puts_the_customer_on_the_beach_and_records_the_agreed_terms(self) -> None:
        pause = scheduled(2)

        pause.start(STARTS + timedelta(minutes=5))

        assert (pause.status, pause.started_at) == (PauseStatus.ACTIVE, STARTS + timedelta(minutes=5))
        assert pause.events[-1] == PauseStarted(
            pause_id=pause.id,
            subscription_id="sub_1",
            customer_id="cus_1",
            starts_at=STARTS,
            resumes_at=datetime(2026, 3, 31, 12, 0, tzinfo=UTC),
            fee_per_month=Money.of(100, "USD"),
        )

    def test_starting_early_is_refused_naming_now(self) -> None:
        pause = scheduled()

        with pytest.raises(DomainError) as refused:
            pause.start(STARTS - SECOND)

        assert refused.value.field == "now"
        assert pause.status is PauseStatus.SCHEDULED

    def test_an_active_pause_is_no_longer_due_to_start(self) -> None:
        assert not active().is_due_to_start(STARTS + timedelta(days=1))


class TestEnding:
    def test_an_active_pause_is_due_to_end_on_its_resume_date(self) -> None:
        pause = active()

        assert not pause.is_due_to_end(pause.resumes_at - SECOND)
        assert pause.is_due_to_end(pause.resumes_at)

    def test_a_scheduled_end_is_dated_the_resume_date_even_when_the_scheduler_runs_late(self) -> None:
        pause = active()

        pause.end(pause.resumes_at + timedelta(hours=3))

        assert (pause.status, pause.ended_at, pause.end_reason) == (
            PauseStatus.ENDED,
            pause.resumes_at,
            "scheduled",
        )
        assert pause.events[-1] == PauseEnded(
            pause_id=pause.id,
            subscription_id="sub_1",
            customer_id="cus_1",
            ended_at=pause.resumes_at,
            reason="scheduled",
        )
        assert event_types(pause) == [PauseScheduled, PauseStarted, PauseEnded]

    def test_ending_before_the_resume_date_as_scheduled_is_refused_naming_now(self) -> None:
        pause = active()

        with pytest.raises(DomainError) as refused:
            pause.end(pause.resumes_at - SECOND)

        assert refused.value.field == "now"
        assert pause.status is PauseStatus.ACTIVE

    def test_an_unknown_end_reason_is_refused_naming_reason(self) -> None:
        pause = active()

        with pytest.raises(DomainError) as refused:
            pause.end(pause.resumes_at, "bored")  # type: ignore[arg-type]

        assert refused.value.field == "reason"


class TestResumingEarly:
    def test_an_active_pause_resumed_early_ends_now_with_reason_early(self) -> None:
        pause = active(3)
        back = STARTS + timedelta(days=40)

        pause.resume_early(back)

        assert (pause.status, pause.ended_at, pause.end_reason) == (PauseStatus.ENDED, back, "early")
        assert isinstance(pause.events[-1], PauseEnded)
        assert (pause.events[-1].ended_at, pause.events[-1].reason) == (back, "early")

    def test_a_scheduled_pause_resumed_early_is_called_off(self) -> None:
        pause = scheduled()

        pause.resume_early(NOW)

        assert (pause.status, pause.ended_at, pause.end_reason) == (PauseStatus.CANCELED, NOW, "early")
        assert pause.started_at is None
        assert event_types(pause) == [PauseScheduled, PauseCanceled]

    def test_resuming_after_the_resume_date_passed_is_the_scheduled_end(self) -> None:
        pause = active()

        pause.resume_early(pause.resumes_at + timedelta(hours=1))

        assert (pause.ended_at, pause.end_reason) == (pause.resumes_at, "scheduled")


class TestExtending:
    def test_extending_within_the_limit_recomputes_the_resume_date_from_the_start(self) -> None:
        pause = scheduled(1)
        assert pause.resumes_at == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)

        pause.extend(2, NOW, POLICY)

        assert (pause.months, pause.resumes_at) == (3, datetime(2026, 4, 30, 12, 0, tzinfo=UTC))
        assert pause.events[-1] == PauseExtended(
            pause_id=pause.id,
            subscription_id="sub_1",
            customer_id="cus_1",
            months=3,
            previous_resumes_at=datetime(2026, 2, 28, 12, 0, tzinfo=UTC),
            resumes_at=datetime(2026, 4, 30, 12, 0, tzinfo=UTC),
            starts_at=pause.starts_at,
            fee_per_month=pause.fee_per_month,
            running=False,
        )

    def test_an_active_pause_can_be_extended(self) -> None:
        pause = active(2)

        pause.extend(1, STARTS + timedelta(days=20), POLICY)

        assert (pause.status, pause.months) == (PauseStatus.ACTIVE, 3)

    @pytest.mark.parametrize(("months", "more"), [(1, 3), (2, 2), (3, 1)])
    def test_extending_beyond_the_total_limit_is_refused_naming_months(self, months: int, more: int) -> None:
        pause = active(months)
        before = (pause.months, pause.resumes_at, len(pause.events))

        with pytest.raises(DomainError) as refused:
            pause.extend(more, NOW, POLICY)

        assert refused.value.field == "months"
        assert (pause.months, pause.resumes_at, len(pause.events)) == before

    @pytest.mark.parametrize("more", [0, -1])
    def test_extending_by_no_months_is_refused_naming_months(self, more: int) -> None:
        with pytest.raises(DomainError) as refused:
            scheduled().extend(more, NOW, POLICY)

        assert refused.value.field == "months"

    def test_a_plan_with_a_higher_limit_allows_a_longer_extension(self) -> None:
        pause = active(3)

        pause.extend(3, NOW, PausePolicy(max_total_months=6))

        assert pause.resumes_at == datetime(2026, 7, 31, 12, 0, tzinfo=UTC)


class TestCanceling:
    @pytest.mark.parametrize("build", [scheduled, active])
    def test_a_scheduled_or_active_pause_can_be_canceled_with_a_reason(
        self, build: Callable[[], BeachPause]
    ) -> None:
        pause = build()
        at = STARTS + timedelta(days=3)

        pause.cancel(at, "subscription_canceled")

        assert (pause.status, pause.ended_at, pause.end_reason) == (
            PauseStatus.CANCELED,
            at,
            "subscription_canceled",
        )
        assert pause.events[-1] == PauseCanceled(
            pause_id=pause.id,
            subscription_id="sub_1",
            customer_id="cus_1",
            canceled_at=at,
            reason="subscription_canceled",
        )

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_canceling_without_a_reason_is_refused_naming_reason(self, reason: str) -> None:
        with pytest.raises(DomainError) as refused:
            scheduled().cancel(NOW, reason)

        assert refused.value.field == "reason"


TRANSITIONS: dict[str, Callable[[BeachPause], None]] = {
    "start": lambda pause: pause.start(STARTS + timedelta(days=400)),
    "end": lambda pause: pause.end(STARTS + timedelta(days=400)),
    "resume_early": lambda pause: pause.resume_early(STARTS),
    "extend": lambda pause: pause.extend(1, STARTS, POLICY),
    "cancel": lambda pause: pause.cancel(STARTS, "admin"),
    "mark_reminded": lambda pause: pause.mark_reminded(STARTS),
}
ALLOWED_FROM = {
    "scheduled": {"start", "resume_early", "extend", "cancel"},
    "active": {"end", "resume_early", "extend", "cancel", "mark_reminded"},
    "ended": set[str](),
    "canceled": set[str](),
}
BUILDERS: dict[str, Callable[[], BeachPause]] = {
    "scheduled": scheduled,
    "active": active,
    "ended": ended,
    "canceled": canceled,
}


@pytest.mark.parametrize(
    ("state", "action"),
    [(state, action) for state in BUILDERS for action in TRANSITIONS if action not in ALLOWED_FROM[state]],
)
def test_a_transition_the_current_status_does_not_allow_raises_naming_status(state: str, action: str) -> None:
    pause = BUILDERS[state]()
    before = (pause.status, len(pause.events))

    with pytest.raises(InvalidTransition) as refused:
        TRANSITIONS[action](pause)

    assert refused.value.field == "status"
    assert refused.value.current == state
    assert (pause.status, len(pause.events)) == before


class TestReminder:
    def test_the_reminder_is_due_exactly_seven_days_before_resume(self) -> None:
        pause = active(2)
        moment = pause.resumes_at - timedelta(days=7)

        assert not pause.reminder_due(moment - timedelta(microseconds=1), POLICY)
        assert pause.reminder_due(moment, POLICY)

    def test_the_reminder_is_sent_only_once(self) -> None:
        pause = active()
        moment = pause.resumes_at - timedelta(days=7)

        pause.mark_reminded(moment)

        assert pause.reminder_sent_at == moment
        assert not pause.reminder_due(moment + timedelta(hours=1), POLICY)
        with pytest.raises(DomainError) as refused:
            pause.mark_reminded(moment + timedelta(hours=1))
        assert refused.value.field == "reminder_sent_at"

    def test_no_reminder_once_the_resume_date_has_come(self) -> None:
        pause = active()

        assert not pause.reminder_due(pause.resumes_at, POLICY)

    def test_no_reminder_for_a_pause_that_has_not_started_or_is_over(self) -> None:
        late_start = scheduled()
        over = ended()

        assert not late_start.reminder_due(late_start.resumes_at - timedelta(days=1), POLICY)
        assert not over.reminder_due(over.resumes_at - timedelta(days=1), POLICY)

    def test_the_plans_policy_decides_how_long_before_resume(self) -> None:
        pause = active()
        three_days = PausePolicy(reminder_before_resume=timedelta(days=3))

        assert not pause.reminder_due(pause.resumes_at - timedelta(days=4), three_days)
        assert pause.reminder_due(pause.resumes_at - timedelta(days=3), three_days)

    def test_an_extension_after_the_reminder_earns_a_reminder_before_the_new_date(self) -> None:
        pause = active(1)
        pause.mark_reminded(pause.resumes_at - timedelta(days=7))

        pause.extend(1, pause.resumes_at - timedelta(days=6), POLICY)

        assert pause.reminder_sent_at is None
        assert not pause.reminder_due(pause.resumes_at - timedelta(days=8), POLICY)
        assert pause.reminder_due(pause.resumes_at - timedelta(days=7), POLICY)


@given(
    months=st.sampled_from(POLICY.durations),
    steps=st.lists(st.integers(3600, 3 * 24 * 3600), min_size=1, max_size=50),
)
def test_a_scheduler_ticking_at_any_pace_starts_reminds_once_and_ends_each_pause(
    months: int, steps: list[int]
) -> None:
    """However irregular the ticks (at most 3 days apart), the reminder comes once, in its window."""
    pause = scheduled(months)
    reminders: list[datetime] = []
    now = NOW
    for step in islice(cycle(steps), 5000):
        now += timedelta(seconds=step)
        if pause.is_due_to_start(now):
            pause.start(now)
        if pause.reminder_due(now, POLICY):
            pause.mark_reminded(now)
            reminders.append(now)
        if pause.is_due_to_end(now):
            pause.end(now)
        if pause.status is PauseStatus.ENDED:
            break

    assert pause.status is PauseStatus.ENDED
    assert pause.ended_at == pause.resumes_at
    assert len(reminders) == 1
    assert pause.resumes_at - timedelta(days=7) <= reminders[0] < pause.resumes_at
    assert event_types(pause) == [PauseScheduled, PauseStarted, PauseEnded]
