"""Decline codes decide the schedule, so every code the gateways send must land in a class."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.dunning import DeclineClass
from shared.declines import (
    EXPIRED_CARD_CODES,
    HARD_DECLINE_CODES,
    INSUFFICIENT_FUNDS_CODES,
    classify,
)

KNOWN = HARD_DECLINE_CODES | EXPIRED_CARD_CODES | INSUFFICIENT_FUNDS_CODES


@pytest.mark.parametrize(
    "code",
    [
        "lost_card",
        "stolen_card",
        "fraudulent",
        "pickup_card",
        "restricted_card",
        "revocation_of_authorization",
        "security_violation",
    ],
)
def test_cards_the_issuer_will_never_approve_are_hard_declines(code: str) -> None:
    assert classify(code) is DeclineClass.HARD_DECLINE


def test_an_expired_card_is_its_own_class() -> None:
    assert classify("expired_card") is DeclineClass.EXPIRED_CARD


@pytest.mark.parametrize(
    "code", ["insufficient_funds", "card_velocity_exceeded", "withdrawal_count_limit_exceeded"]
)
def test_balance_and_spending_limit_declines_wait_for_payday(code: str) -> None:
    assert classify(code) is DeclineClass.INSUFFICIENT_FUNDS


@pytest.mark.parametrize(
    "code",
    [
        "card_declined",
        "do_not_honor",
        "generic_decline",
        "processing_error",
        "try_again_later",
        "no_payment_method",
        "",
        None,
    ],
)
def test_generic_declines_and_missing_codes_are_soft(code: str | None) -> None:
    assert classify(code) is DeclineClass.SOFT_DECLINE


def test_classification_ignores_letter_case_and_surrounding_space() -> None:
    assert classify("  Lost_Card\n") is DeclineClass.HARD_DECLINE
    assert classify("EXPIRED_CARD") is DeclineClass.EXPIRED_CARD


def test_no_code_belongs_to_two_classes() -> None:
    sizes = len(HARD_DECLINE_CODES) + len(EXPIRED_CARD_CODES) + len(INSUFFICIENT_FUNDS_CODES)
    assert len(KNOWN) == sizes


@given(st.text(max_size=40).filter(lambda code: code.strip().lower() not in KNOWN))
def test_any_code_we_do_not_know_is_treated_as_a_soft_decline(code: str) -> None:
    assert classify(code) is DeclineClass.SOFT_DECLINE
