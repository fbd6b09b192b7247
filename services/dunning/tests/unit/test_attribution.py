"""Which cause a recovery is credited to: the rules of `dunning.domain.attribution`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.decisions import BEACH_OFFER_TEMPLATE
from dunning.domain.policy import GENTLE
from shared.contracts.dunning import DunningCaseClosed, RecoveryMethod
from shared.money import Money

FAILED_AT = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def day(n: float) -> datetime:
    return FAILED_AT + timedelta(days=n)


def open_case(decline_code: str = "insufficient_funds") -> DunningCase:
    return DunningCase.open(
        case_id="dun_1", subscription_id="sub_1", customer_id="cus_1", invoice_id="inv_1",
        amount_due=Money.of(1500, "EUR"), decline_code=decline_code, failed_at=FAILED_AT,
        timezone="UTC", policy=GENTLE, failed_card="pm_old",
    )  # fmt: skip


def recovered(case: DunningCase, at: datetime) -> DunningCaseClosed:
    case.recover(at)
    closed = case.events[-1]
    assert isinstance(closed, DunningCaseClosed)
    return closed


def test_a_payment_with_no_retry_of_ours_before_it_was_paid_otherwise() -> None:
    case = open_case()
    case.record_reminder(day(2), "dunning.card_update.1")

    closed = recovered(case, day(3))

    assert (closed.recovery_method, closed.last_message_number) == (RecoveryMethod.PAID_OTHERWISE, None)


def test_a_retry_before_any_message_is_a_silent_retry() -> None:
    case = open_case()
    case.record_retry(day(1), RetryReason.THREE_DAYS)
    case.record_reminder(day(1), "dunning.card_update.1")  # decided after the retry, same step

    assert recovered(case, day(1)).recovery_method is RecoveryMethod.SILENT_RETRY


def test_a_retry_after_messages_names_the_last_message_before_it() -> None:
    case = open_case()
    case.record_reminder(day(2), "dunning.card_update.1")
    case.record_retry(day(3), RetryReason.THREE_DAYS)
    case.record_reminder(day(8), "dunning.card_update.2")
    case.record_beach_offer(day(19), BEACH_OFFER_TEMPLATE)
    case.record_retry(day(20), RetryReason.SPACED)
    case.record_reminder(day(20.5), "dunning.card_update.3")

    closed = recovered(case, day(20.5))

    assert (closed.recovery_method, closed.last_message_number) == (RecoveryMethod.RETRY_AFTER_REMINDER, 3)


def test_a_card_from_the_network_updater_gets_the_credit_even_after_reminders() -> None:
    case = open_case("expired_card")
    case.record_reminder(day(4), "dunning.card_update.1")
    assert case.card_updated(day(5), "pm_new", "card_updater")
    case.record_retry(day(5), RetryReason.CARD_UPDATED)

    closed = recovered(case, day(5))

    assert (closed.recovery_method, closed.last_message_number) == (RecoveryMethod.CARD_UPDATER, None)


def test_a_card_the_customer_added_is_their_card_update() -> None:
    case = open_case("expired_card")
    assert case.card_updated(day(5), "pm_new", "customer")
    case.record_retry(day(5), RetryReason.CARD_UPDATED)

    assert recovered(case, day(5)).recovery_method is RecoveryMethod.CUSTOMER_CARD_UPDATE


def test_the_declined_card_announced_again_is_no_card_update() -> None:
    case = open_case()
    assert not case.card_updated(day(2), "pm_old", "card_updater")
    case.record_retry(day(3), RetryReason.THREE_DAYS)

    assert recovered(case, day(3)).recovery_method is RecoveryMethod.SILENT_RETRY


@pytest.mark.parametrize(
    ("reason", "method"),
    [
        (RetryReason.CUSTOMER_DATE, RecoveryMethod.CUSTOMER_PAYMENT_DATE),
        (RetryReason.BACKUP_CARD, RecoveryMethod.BACKUP_CARD),
    ],
)
def test_a_retry_on_the_customers_date_or_backup_card_is_credited_to_it(
    reason: RetryReason, method: RecoveryMethod
) -> None:
    case = open_case()
    case.record_reminder(day(2), "dunning.card_update.1")
    case.record_retry(day(5), reason)

    assert recovered(case, day(5)).recovery_method is method


def test_other_outcomes_carry_no_recovery_method() -> None:
    case = open_case()
    case.record_retry(day(3), RetryReason.THREE_DAYS)
    case.close(GENTLE.final_action.outcome, day(21))

    closed = case.events[-1]
    assert isinstance(closed, DunningCaseClosed)
    assert (closed.outcome.value, closed.recovery_method) == ("paused", None)
