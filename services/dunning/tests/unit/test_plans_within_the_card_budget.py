"""Dunning plans within the card networks' budget, the aggressive baseline included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dunning.domain.case import DunningCase
from dunning.domain.decisions import Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.domain.policy import AGGRESSIVE, BUILT_IN_POLICIES
from dunning.service_layer.policy_book import PolicyBook
from shared.money import Money

FAILED_AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def retries_in_30_days(book: PolicyBook, code: str = "card_declined") -> list[datetime]:
    policy = book.for_new_case("cus_1")
    case = DunningCase.open(
        case_id="dc_1", subscription_id="sub_1", customer_id="cus_1", invoice_id="in_1",
        amount_due=Money.of(1500, "USD"), decline_code=code, failed_at=FAILED_AT, timezone="UTC",
        policy=policy,
    )  # fmt: skip
    now, sent = FAILED_AT, list[datetime]()
    while (due := next_due(case, now, policy)) is not None and due < FAILED_AT + timedelta(days=30):
        now = due
        for decision in decide(case, now, book.for_case(case.policy_version)):
            apply(case, decision, now)
            if isinstance(decision, Retry):
                sent.append(now)
    return sent


def test_the_aggressive_variant_retries_daily_only_within_the_30_day_budget() -> None:
    book = PolicyBook(dict(BUILT_IN_POLICIES), {AGGRESSIVE.variant: 100}, card_budget_30_days=15)
    unbounded = PolicyBook(dict(BUILT_IN_POLICIES), {AGGRESSIVE.variant: 100})

    assert len(retries_in_30_days(unbounded)) > 14, "the old way retries every day of the window"
    assert len(retries_in_30_days(book)) == 14, "with the failed charge itself, 15 in 30 days"


def test_a_smaller_budget_caps_the_gentle_plan_too() -> None:
    book = PolicyBook(card_budget_30_days=3)

    assert len(retries_in_30_days(book)) == 2
    assert book.for_new_case("cus_1").max_retries == 2
