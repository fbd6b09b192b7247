"""Payment attempts: begun pending under an idempotency key, then settled exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from billing.domain.payment import AttemptStatus, PaymentAttempt
from shared.contracts.billing import ChargeContext, PaymentFailed, PaymentSucceeded
from shared.errors import InvalidTransition
from shared.money import Money

NOW = datetime(2026, 3, 15, 0, 1, tzinfo=UTC)
LATER = NOW + timedelta(seconds=3)


def begin(
    idempotency_key: str | None = None, context: ChargeContext = ChargeContext.SUBSCRIPTION
) -> PaymentAttempt:
    return PaymentAttempt.begin(
        invoice_id="in_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        attempt_number=2,
        amount=Money.of(1500, "EUR"),
        context=context,
        reason="retry",
        now=NOW,
        idempotency_key=idempotency_key,
    )


SETTLE: dict[str, Callable[[PaymentAttempt], None]] = {
    "succeed": lambda attempt: attempt.succeed(gateway_reference="ch_1", at=LATER),
    "fail": lambda attempt: attempt.fail(
        decline_code="insufficient_funds",
        message="Your card has insufficient funds.",
        gateway_reference="ch_2",
        at=LATER,
    ),
    "cancel": lambda attempt: attempt.cancel(LATER),
}


def test_beginning_an_attempt_makes_it_pending_without_an_event() -> None:
    attempt = begin()

    assert attempt.status is AttemptStatus.PENDING
    assert attempt.settled_at is None
    assert attempt.created_at == NOW
    assert attempt.amount == Money.of(1500, "EUR")
    assert attempt.attempt_number == 2
    assert attempt.events == []


def test_the_idempotency_key_defaults_to_the_attempt_id() -> None:
    attempt = begin()

    assert attempt.id.startswith("pay_")
    assert attempt.idempotency_key == attempt.id


def test_a_given_idempotency_key_is_kept() -> None:
    attempt = begin(idempotency_key="in_1:2")

    assert attempt.idempotency_key == "in_1:2"
    assert attempt.id != "in_1:2"


def test_attempt_ids_are_unique() -> None:
    assert len({begin().id for _ in range(100)}) == 100


def test_succeeding_records_payment_succeeded() -> None:
    attempt = begin(context=ChargeContext.BEACH_FEE)

    attempt.succeed(gateway_reference="ch_1", at=LATER)

    assert attempt.status is AttemptStatus.SUCCEEDED
    assert attempt.gateway_reference == "ch_1"
    assert attempt.settled_at == LATER
    assert len(attempt.events) == 1
    event = attempt.events[0]
    assert isinstance(event, PaymentSucceeded)
    assert event.payment_id == attempt.id
    assert event.invoice_id == "in_1"
    assert event.subscription_id == "sub_1"
    assert event.customer_id == "cus_1"
    assert event.amount == Money.of(1500, "EUR")
    assert event.attempt_number == 2
    assert event.context is ChargeContext.BEACH_FEE
    assert event.attempted_at == LATER


def test_failing_records_payment_failed_with_the_decline_code() -> None:
    attempt = begin()

    attempt.fail(
        decline_code="expired_card", message="Your card has expired.", gateway_reference="ch_9", at=LATER
    )

    assert attempt.status is AttemptStatus.FAILED
    assert attempt.decline_code == "expired_card"
    assert attempt.decline_message == "Your card has expired."
    assert attempt.gateway_reference == "ch_9"
    assert attempt.settled_at == LATER
    assert len(attempt.events) == 1
    event = attempt.events[0]
    assert isinstance(event, PaymentFailed)
    assert event.decline_code == "expired_card"
    assert event.decline_message == "Your card has expired."
    assert event.payment_id == attempt.id
    assert event.amount == Money.of(1500, "EUR")
    assert event.context is ChargeContext.SUBSCRIPTION


def test_canceling_settles_the_attempt_without_an_event() -> None:
    attempt = begin()

    attempt.cancel(LATER)

    assert attempt.status is AttemptStatus.CANCELED
    assert attempt.settled_at == LATER
    assert attempt.events == []


@pytest.mark.parametrize("second", list(SETTLE))
@pytest.mark.parametrize("first", list(SETTLE))
def test_a_settled_attempt_cannot_be_settled_again(first: str, second: str) -> None:
    attempt = begin()
    SETTLE[first](attempt)
    status, events = attempt.status, list(attempt.events)

    with pytest.raises(InvalidTransition) as caught:
        SETTLE[second](attempt)

    assert caught.value.current == status.value
    assert attempt.status is status
    assert attempt.events == events
