"""The model's dunning case meets the customer's wish for a break as the portal would."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dunning.domain.case import DunningCase
from dunning.domain.policy import BUILT_IN_POLICIES
from shared.contracts.dunning import CaseOutcome
from shared.money import Money
from simulator.assumptions import DEFAULT_ASSUMPTIONS
from simulator.model.dunning_run import LEFT_DURING_CASE, run_case
from simulator.model.tally import Tally
from simulator.model.wallet import Wallet
from simulator.population import BreakChoice, draw_customer

FAILED_AT = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
GENTLE = next(p for p in BUILT_IN_POLICIES.values() if p.variant == "gentle")
QUIET = replace(DEFAULT_ASSUMPTIONS, annoyance_per_reminder=0.0, update_after_reminder=0.0)


def lost_card_case() -> tuple[DunningCase, Wallet]:
    """A lost card never replaced: the case runs its whole window unless the customer acts."""
    quiet = replace(QUIET, new_card_unprompted=0.0, new_card_after_request=0.0)
    customer = replace(draw_customer(1, 4, 3, quiet), card_lost_at=FAILED_AT - timedelta(days=3))
    case = DunningCase.open(
        case_id="dc_1",
        subscription_id="sub_4",
        customer_id="cus_4",
        invoice_id="in_4",
        amount_due=Money.of(1500, "USD"),
        decline_code="lost_card",
        failed_at=FAILED_AT,
        timezone="UTC",
        policy=GENTLE,
    )
    return case, Wallet(customer, quiet, 1)


def test_a_customer_who_wants_a_break_during_a_case_cannot_pause_and_leaves() -> None:
    case, wallet = lost_card_case()
    choice = BreakChoice(takes_pause=True, months=2, returns=True)
    tally = Tally()

    result = run_case(
        wallet, case, GENTLE, tally, case.amount_due, wants_break=(FAILED_AT + timedelta(days=5), choice)
    )

    assert result.outcome == LEFT_DURING_CASE
    assert case.outcome is CaseOutcome.CANCELED
    assert result.closed_at == FAILED_AT + timedelta(days=5)
    assert tally["cancel_intents"] == 1
    assert tally["pauses_from_intents"] == 0


def test_once_the_beach_is_offered_a_break_during_the_case_is_a_pause() -> None:
    case, wallet = lost_card_case()
    choice = BreakChoice(takes_pause=True, months=2, returns=True)
    late = FAILED_AT + GENTLE.window - timedelta(hours=6)
    tally = Tally()

    result = run_case(wallet, case, GENTLE, tally, case.amount_due, wants_break=(late, choice))

    assert case.beach_offer_sent_at is not None
    assert result.outcome is CaseOutcome.PAUSED
    assert result.pause_months == 2
    assert tally["pauses_from_intents"] == 1


def test_a_break_wished_for_before_the_case_opened_is_not_played_inside_it() -> None:
    case, wallet = lost_card_case()
    choice = BreakChoice(takes_pause=True, months=1, returns=True)

    result = run_case(
        wallet, case, GENTLE, Tally(), case.amount_due, wants_break=(FAILED_AT - timedelta(days=1), choice)
    )

    assert not result.break_taken
