"""Any sequence of life-cycle actions keeps a subscription consistent with a simple model of it.

The model is the documented state machine (active → past_due → paused → canceled): which
actions each state allows, which state follows, and which event is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from billing.domain.periods import period
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.calendar import add_months
from shared.contracts.base import EventData
from shared.contracts.billing import (
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from shared.errors import InvalidTransition

ACTIVE, PAST_DUE, PAUSED, CANCELED = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.PAUSED,
    SubscriptionStatus.CANCELED,
)
PLANS = [
    Plan.define(code="monthly", name="Monthly", amount=1500, currency="EUR", interval="month"),
    Plan.define(code="yearly", name="Yearly", amount=900, currency="KWD", interval="year"),
]


class SubscriptionLifeCycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.subscription: Subscription | None = None
        self.now = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
        self.status = ACTIVE
        self.expected_events: list[type[EventData]] = []

    @property
    def sub(self) -> Subscription:
        assert self.subscription is not None
        return self.subscription

    def attempt(self, action: str, allowed: bool, perform: Callable[[], object]) -> bool:
        """Run `perform`; a refused action must raise and change nothing."""
        status, events = self.sub.status, list(self.sub.events)
        if allowed:
            perform()
            return True
        with pytest.raises(InvalidTransition) as refused:
            perform()
        assert refused.value.current == status.value, action
        assert self.sub.status is status
        assert self.sub.events == events
        return False

    @precondition(lambda self: self.subscription is None)
    @rule(plan=st.sampled_from(PLANS))
    def start(self, plan: Plan) -> None:
        self.subscription = Subscription.start(customer_id="cus_1", plan=plan, now=self.now)
        self.expected_events.append(SubscriptionCreated)

    @precondition(lambda self: self.subscription is not None)
    @rule(days=st.integers(0, 90))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    @precondition(lambda self: self.subscription is not None)
    @rule()
    def renew(self) -> None:
        index = self.sub.period_index
        if self.attempt("renew", self.status is ACTIVE, lambda: self.sub.renew("in_x")):
            assert self.sub.period_index == index + 1
            self.expected_events.append(SubscriptionRenewed)

    @precondition(lambda self: self.subscription is not None)
    @rule()
    def mark_past_due(self) -> None:
        allowed = self.status in (ACTIVE, PAST_DUE)
        if self.attempt("mark past due", allowed, lambda: self.sub.mark_past_due("in_x", "card_declined")):
            if self.status is ACTIVE:
                self.expected_events.append(SubscriptionPastDue)
            self.status = PAST_DUE

    @precondition(lambda self: self.subscription is not None)
    @rule()
    def mark_paid_up(self) -> None:
        self.sub.mark_paid_up()
        if self.status is PAST_DUE:
            self.status = ACTIVE

    @precondition(lambda self: self.subscription is not None)
    @rule(months=st.integers(1, 3))
    def pause(self, months: int) -> None:
        resumes_at = add_months(self.now, months)
        allowed = self.status in (ACTIVE, PAST_DUE)
        if self.attempt(
            "pause", allowed, lambda: self.sub.pause(pause_id="pa_x", at=self.now, resumes_at=resumes_at)
        ):
            assert self.sub.next_beach_fee_at == self.now
            self.status = PAUSED
            self.expected_events.append(SubscriptionPaused)

    @precondition(lambda self: self.subscription is not None)
    @rule()
    def charge_beach_fee(self) -> None:
        if self.attempt("charge a beach fee", self.status is PAUSED, self.sub.beach_month):
            assert self.sub.next_beach_fee_at is not None

    @precondition(lambda self: self.subscription is not None)
    @rule()
    def resume(self) -> None:
        if self.attempt(
            "resume", self.status is PAUSED, lambda: self.sub.resume(at=self.now, pause_id="pa_x")
        ):
            assert self.sub.billing_anchor == self.now
            assert self.sub.period_index == 0
            self.status = ACTIVE
            self.expected_events.append(SubscriptionResumed)

    @precondition(lambda self: self.subscription is not None)
    @rule()
    def cancel(self) -> None:
        self.sub.cancel(at=self.now, reason=None, requested_by="admin")
        if self.status is not CANCELED:
            self.expected_events.append(SubscriptionCanceled)
        self.status = CANCELED

    @invariant()
    def status_and_events_follow_the_model(self) -> None:
        if self.subscription is None:
            return
        assert self.sub.status is self.status
        assert [type(event) for event in self.sub.events] == self.expected_events

    @invariant()
    def the_current_period_is_always_computed_from_the_anchor(self) -> None:
        if self.subscription is None:
            return
        assert (self.sub.current_period_start, self.sub.current_period_end) == period(
            self.sub.billing_anchor, self.sub.period_index, self.sub.interval
        )

    @invariant()
    def only_a_paused_subscription_can_owe_a_beach_fee(self) -> None:
        if self.subscription is None:
            return
        far_future = self.now + timedelta(days=3650)
        if self.status is not PAUSED:
            assert not self.sub.beach_fee_due(far_future)
        if self.status in (ACTIVE, PAST_DUE):
            assert self.sub.pause_id is None
            assert self.sub.next_beach_fee_at is None

    @invariant()
    def only_an_active_subscription_is_ever_due_for_renewal(self) -> None:
        if self.subscription is None:
            return
        after_the_period = self.sub.current_period_end + timedelta(days=1)
        assert self.sub.is_due_for_renewal(after_the_period) is (self.status is ACTIVE)


SubscriptionLifeCycle.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
test_any_sequence_of_actions_keeps_the_subscription_consistent_with_its_model = SubscriptionLifeCycle.TestCase
