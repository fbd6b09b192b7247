"""Pause facts, applied by the domain: only to a subscription still open to them, and a
fact that says the whole pause stands in for an earlier one still on its way."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.domain import pause_facts
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.contracts.pause import PauseExtended, PauseStarted
from shared.money import Money

T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
STARTS, RESUMES, LATER = (
    datetime(2026, 4, 10, tzinfo=UTC),
    datetime(2026, 6, 10, tzinfo=UTC),
    datetime(2026, 7, 10, tzinfo=UTC),
)
FEE = Money.of(300, "EUR")
IDS = {"pause_id": "pau_1", "subscription_id": "sub_1", "customer_id": "cus_1"}


def subscription() -> Subscription:
    plan = Plan.define(
        code="monthly", name="Monthly", amount=1500, currency="EUR", interval="month", beach_fee_amount=300
    )
    return Subscription.start(customer_id="cus_1", plan=plan, now=T0)


def started() -> PauseStarted:
    return PauseStarted(**IDS, starts_at=STARTS, resumes_at=RESUMES, fee_per_month=FEE)


def test_a_pause_that_starts_after_the_customer_canceled_changes_nothing() -> None:
    canceled = subscription()
    canceled.cancel(at=T0, reason=None, requested_by="customer")
    pause_facts.pause_started(canceled, started())
    assert canceled.status is SubscriptionStatus.CANCELED
    assert canceled.pause_id is None


def test_an_extension_heard_before_its_start_starts_the_whole_pause() -> None:
    early = subscription()
    extended = PauseExtended(
        **IDS,
        months=3,
        previous_resumes_at=RESUMES,
        resumes_at=LATER,
        starts_at=STARTS,
        fee_per_month=FEE,
        running=True,
    )
    pause_facts.pause_extended(early, extended)
    assert (early.status, early.pause_id, early.pause_resumes_at) == (
        SubscriptionStatus.PAUSED,
        "pau_1",
        LATER,
    )


def test_the_end_of_another_pause_leaves_the_running_one_alone() -> None:
    paused = subscription()
    pause_facts.pause_started(paused, started())
    assert pause_facts.pause_ended(paused, "pau_other", RESUMES) is False
    assert paused.status is SubscriptionStatus.PAUSED
    assert pause_facts.pause_ended(paused, "pau_1", RESUMES) is True
    assert (paused.status, paused.current_period_start) == (SubscriptionStatus.ACTIVE, RESUMES)
