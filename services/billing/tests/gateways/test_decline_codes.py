"""Stripe's decline payloads mapped to our decline codes.

localstripe sends no decline codes, so the mapping is tested here on payloads written in
the shapes Stripe documents for its test cards, kept in payloads/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from billing.adapters.gateways.decline_codes import decline_code_from_stripe_error
from billing.adapters.gateways.stripe_payloads import intent_id_in, result_from_intent

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return loaded


@pytest.mark.parametrize(
    ("recorded", "ours"),
    [
        ("expired_card.json", "expired_card"),
        ("insufficient_funds.json", "insufficient_funds"),
        ("lost_card.json", "lost_card"),
        ("stolen_card.json", "stolen_card"),
        ("do_not_honor.json", "do_not_honor"),
        ("generic_decline.json", "generic_decline"),
        ("fraudulent.json", "fraudulent"),
        ("processing_error.json", "processing_error"),
        ("incorrect_cvc.json", "incorrect_cvc"),
        ("card_declined_empty_decline_code.json", "card_declined"),
        ("localstripe_card_declined.json", "card_declined"),
    ],
)
def test_a_recorded_stripe_decline_maps_to_our_decline_code(recorded: str, ours: str) -> None:
    assert decline_code_from_stripe_error(payload(recorded)["error"]) == ours


def test_the_issuers_decline_code_wins_over_the_error_code() -> None:
    assert (
        decline_code_from_stripe_error({"code": "expired_card", "decline_code": "lost_card"}) == "lost_card"
    )


def test_an_error_code_that_names_no_decline_reason_is_a_generic_card_decline() -> None:
    assert (
        decline_code_from_stripe_error({"code": "resource_missing", "decline_code": None}) == "card_declined"
    )
    assert decline_code_from_stripe_error({}) == "card_declined"


def test_a_decline_code_we_have_no_constant_for_still_passes_through_as_stripe_named_it() -> None:
    assert (
        decline_code_from_stripe_error({"code": "card_declined", "decline_code": "pickup_card"})
        == "pickup_card"
    )


def test_a_payment_intent_read_back_after_a_decline_gives_the_same_decline_code() -> None:
    result = result_from_intent(payload("payment_intent_after_insufficient_funds.json"))

    assert result is not None
    assert not result.succeeded
    assert result.gateway_reference == "pi_3QbE9x2eZvKYlo2C1vQeYk8L"
    assert (result.decline_code, result.decline_message) == (
        "insufficient_funds",
        "Your card has insufficient funds.",
    )


@pytest.mark.parametrize(
    ("status", "succeeded", "decline_code"),
    [
        ("succeeded", True, None),
        ("requires_action", False, "authentication_required"),
        ("canceled", False, "card_declined"),
    ],
)
def test_a_settled_payment_intent_status_is_an_outcome(
    status: str, succeeded: bool, decline_code: str | None
) -> None:
    result = result_from_intent({"id": "pi_1", "status": status})

    assert result is not None
    assert (result.succeeded, result.decline_code, result.gateway_reference) == (
        succeeded,
        decline_code,
        "pi_1",
    )


@pytest.mark.parametrize("status", ["processing", "requires_confirmation", "requires_capture"])
def test_a_payment_intent_still_in_flight_has_no_outcome_yet(status: str) -> None:
    assert result_from_intent({"id": "pi_1", "status": status}) is None


def test_the_payment_intent_is_found_in_a_stripe_decline_and_absent_from_localstripes() -> None:
    assert intent_id_in(payload("insufficient_funds.json")["error"]) == "pi_3QbE3A2eZvKYlo2C0mJ0Qk2d"
    assert intent_id_in(payload("localstripe_card_declined.json")["error"]) is None
