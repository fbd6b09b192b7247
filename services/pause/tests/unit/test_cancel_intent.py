"""Cancelling from the portal records the reason first, then becomes a pause or a cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pause.domain.cancel_intent import CancelIntent
from shared.errors import DomainError

NOW = datetime(2026, 3, 1, 8, tzinfo=UTC)
LATER = NOW + timedelta(minutes=2)


def intent(reason: str = "Too expensive right now") -> CancelIntent:
    return CancelIntent.record("sub_1", "cus_1", reason, NOW)


def test_an_intent_starts_pending_with_the_customers_reason() -> None:
    recorded = intent("  Moving abroad for the summer ")

    assert recorded.id.startswith("ci_")
    assert (recorded.subscription_id, recorded.customer_id) == ("sub_1", "cus_1")
    assert (recorded.reason, recorded.outcome, recorded.created_at) == (
        "Moving abroad for the summer",
        "pending",
        NOW,
    )
    assert recorded.resolved_at is None


def test_intent_ids_are_unique() -> None:
    assert len({intent().id for _ in range(20)}) == 20


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_missing_or_overlong_reason_is_refused_naming_reason(reason: str) -> None:
    with pytest.raises(DomainError) as refused:
        intent(reason)

    assert refused.value.field == "reason"


def test_a_reason_of_exactly_500_characters_is_accepted() -> None:
    assert len(intent("x" * 500).reason) == 500


def test_taking_the_pause_resolves_the_intent_as_paused() -> None:
    recorded = intent()

    recorded.became_pause(LATER)

    assert (recorded.outcome, recorded.resolved_at) == ("paused", LATER)
    assert recorded.reason == "Too expensive right now"


def test_confirming_resolves_the_intent_as_canceled() -> None:
    recorded = intent()

    recorded.confirmed(LATER)

    assert (recorded.outcome, recorded.resolved_at) == ("canceled", LATER)


@pytest.mark.parametrize("first", ["became_pause", "confirmed"])
@pytest.mark.parametrize("second", ["became_pause", "confirmed"])
def test_a_resolved_intent_cannot_be_resolved_again(first: str, second: str) -> None:
    recorded = intent()
    getattr(recorded, first)(LATER)

    with pytest.raises(DomainError) as refused:
        getattr(recorded, second)(LATER + timedelta(minutes=1))

    assert refused.value.field == "outcome"
    assert recorded.resolved_at == LATER


def test_a_naive_time_is_refused_naming_now() -> None:
    with pytest.raises(DomainError) as refused:
        CancelIntent.record("sub_1", "cus_1", "Because", NOW.replace(tzinfo=None))

    assert refused.value.field == "now"
