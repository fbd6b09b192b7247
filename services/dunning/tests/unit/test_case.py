"""The case records facts and publishes them as `dunning.events` through `self.events`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import CaseStatus, RetryReason
from dunning.domain.decisions import BEACH_OFFER_TEMPLATE
from dunning.domain.policy import AGGRESSIVE, GENTLE
from shared.contracts.dunning import (
    CaseOutcome,
    DeclineClass,
    DunningCaseClosed,
    DunningCaseOpened,
    DunningReminderSent,
    DunningRetryScheduled,
    RecoveryMethod,
)
from shared.errors import InvalidTransition
from shared.money import Money

FAILED_AT = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
DUE = Money(amount=1500, currency="EUR")


def open_case(decline_code: str = "expired_card", **overrides: object) -> DunningCase:
    arguments: dict[str, object] = {
        "case_id": "dun_1",
        "subscription_id": "sub_1",
        "customer_id": "cus_1",
        "invoice_id": "inv_1",
        "amount_due": DUE,
        "decline_code": decline_code,
        "failed_at": FAILED_AT,
        "timezone": "Europe/Paris",
        "policy": GENTLE,
    } | overrides
    return DunningCase.open(**arguments)  # type: ignore[arg-type]


def test_opening_a_case_records_the_decline_its_class_and_the_policy() -> None:
    case = open_case("lost_card", policy=AGGRESSIVE)

    assert case.events == [
        DunningCaseOpened(
            case_id="dun_1",
            subscription_id="sub_1",
            customer_id="cus_1",
            invoice_id="inv_1",
            amount_due=DUE,
            decline_code="lost_card",
            decline_class=DeclineClass.HARD_DECLINE,
            policy_version="aggressive-v1",
            variant="aggressive",
            opened_at=FAILED_AT,
        )
    ]
    assert case.status is CaseStatus.OPEN


def test_the_window_counts_from_the_failure_stored_in_utc() -> None:
    case = open_case(failed_at=datetime(2026, 4, 2, 11, 30, tzinfo=ZoneInfo("Europe/Paris")))

    assert case.opened_at == FAILED_AT
    assert case.opened_at.tzinfo is UTC


def test_a_case_for_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="Europe/Atlantis"):
        open_case(timezone="Europe/Atlantis")


def test_retries_are_numbered_and_published_with_their_reason() -> None:
    case = open_case()
    case.events.clear()

    first = case.record_retry(FAILED_AT + timedelta(days=1), RetryReason.CARD_UPDATED)
    second = case.record_retry(FAILED_AT + timedelta(days=3), RetryReason.SPACED)

    assert (first, second) == (1, 2)
    assert [(e.retry_number, e.reason) for e in case.events if isinstance(e, DunningRetryScheduled)] == [
        (1, "card_updated"),
        (2, "spaced"),
    ]


def test_the_beach_offer_is_published_as_the_next_reminder_with_its_own_template() -> None:
    case = open_case()
    case.events.clear()

    case.record_reminder(FAILED_AT + timedelta(days=3), "dunning.card_update.1")
    case.record_beach_offer(FAILED_AT + timedelta(days=19), BEACH_OFFER_TEMPLATE)

    sent = [(e.reminder_number, e.template_id) for e in case.events if isinstance(e, DunningReminderSent)]
    assert sent == [(1, "dunning.card_update.1"), (2, "dunning.beach_offer")]
    assert case.contacts == 2


def test_the_beach_pause_is_offered_only_once() -> None:
    case = open_case()
    case.record_beach_offer(FAILED_AT, BEACH_OFFER_TEMPLATE)

    with pytest.raises(InvalidTransition, match="already offered"):
        case.record_beach_offer(FAILED_AT, BEACH_OFFER_TEMPLATE)


def test_recovery_closes_the_case_with_every_contact_and_retry_counted() -> None:
    case = open_case()
    case.record_reminder(FAILED_AT + timedelta(days=3), "dunning.card_update.1")
    case.record_retry(FAILED_AT + timedelta(days=4), RetryReason.CARD_UPDATED)

    case.recover(FAILED_AT + timedelta(days=4))

    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.RECOVERED)
    assert case.events[-1] == DunningCaseClosed(
        case_id="dun_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        invoice_id="inv_1",
        outcome=CaseOutcome.RECOVERED,
        closed_at=FAILED_AT + timedelta(days=4),
        reminders_sent=1,
        retries=1,
        amount_due=DUE,
        recovered_amount=DUE,
        recovery_method=RecoveryMethod.RETRY_AFTER_REMINDER,
        last_message_number=1,
    )


def test_a_final_action_closes_without_a_recovered_amount() -> None:
    case = open_case()

    case.close(CaseOutcome.CANCELED, FAILED_AT + timedelta(days=21))

    closed = case.events[-1]
    assert isinstance(closed, DunningCaseClosed)
    assert (closed.outcome, closed.recovered_amount) == (CaseOutcome.CANCELED, None)


@pytest.mark.parametrize(
    "action",
    [
        lambda case: case.record_retry(FAILED_AT, RetryReason.SPACED),
        lambda case: case.record_reminder(FAILED_AT, "dunning.card_update.1"),
        lambda case: case.record_beach_offer(FAILED_AT, BEACH_OFFER_TEMPLATE),
        lambda case: case.card_updated(FAILED_AT),
        lambda case: case.recover(FAILED_AT),
        lambda case: case.close(CaseOutcome.WRITTEN_OFF, FAILED_AT),
    ],
)
def test_a_closed_case_refuses_every_change(action: Callable[[DunningCase], object]) -> None:
    case = open_case()
    case.recover(FAILED_AT + timedelta(hours=1))
    events = list(case.events)

    with pytest.raises(InvalidTransition, match="closed dunning case dun_1"):
        action(case)
    assert case.events == events
