"""The engine on concrete dates: what is due, when, and what waits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.decisions import (
    BEACH_OFFER_TEMPLATE,
    HARD_DECLINE_TEMPLATE,
    Close,
    OfferBeach,
    Remind,
    Retry,
)
from dunning.domain.engine import apply, decide, next_due
from dunning.domain.policy import AGGRESSIVE, GENTLE, DunningPolicy, FinalAction
from dunning.domain.schedule import planned_retries
from shared.contracts.dunning import CaseOutcome
from shared.money import Money

PARIS, NEW_YORK, KOLKATA = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def open_case(code: str, failed_at: datetime, policy: DunningPolicy = GENTLE) -> DunningCase:
    zone = failed_at.tzinfo
    assert isinstance(zone, ZoneInfo)
    return DunningCase.open(
        case_id="dun_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        invoice_id="inv_1",
        amount_due=Money(amount=1500, currency="EUR"),
        decline_code=code,
        failed_at=failed_at,
        timezone=zone.key,
        policy=policy,
    )


def first_due(case: DunningCase, policy: DunningPolicy = GENTLE) -> tuple[datetime, list[object]]:
    due = next_due(case, case.opened_at, policy)
    assert due is not None
    return due, list(decide(case, due, policy))


def next_retry(case: DunningCase, now: datetime, policy: DunningPolicy = GENTLE) -> tuple[datetime, Retry]:
    """Run the scheduler from `now` until it asks for a retry."""
    while (due := next_due(case, now, policy)) is not None:
        now = due
        for decision in decide(case, now, policy):
            if isinstance(decision, Retry):
                return now, decision
            apply(case, decision, now)
    raise AssertionError("the case closed without a retry")


@pytest.mark.parametrize(
    ("failed_at", "retry_at", "reason"),
    [
        (datetime(2026, 5, 13, 10, 0, tzinfo=PARIS), datetime(2026, 5, 15, 0, 1, tzinfo=PARIS), "payday"),
        (datetime(2026, 5, 2, 10, 0, tzinfo=PARIS), datetime(2026, 5, 5, 10, 0, tzinfo=PARIS), "three_days"),
        (
            datetime(2026, 5, 29, 18, 0, tzinfo=NEW_YORK),
            datetime(2026, 6, 1, 0, 1, tzinfo=NEW_YORK),
            "payday",
        ),
        (
            datetime(2026, 5, 12, 0, 0, tzinfo=KOLKATA),
            datetime(2026, 5, 15, 0, 0, tzinfo=KOLKATA),
            "three_days",
        ),
        (datetime(2026, 5, 12, 0, 2, tzinfo=KOLKATA), datetime(2026, 5, 15, 0, 1, tzinfo=KOLKATA), "payday"),
    ],
)
def test_insufficient_funds_retry_on_the_next_payday_or_three_days_later_whichever_is_first(
    failed_at: datetime, retry_at: datetime, reason: str
) -> None:
    case = open_case("insufficient_funds", failed_at)

    assert next_retry(case, case.opened_at) == (retry_at, Retry(RetryReason(reason), 1))


def test_after_the_first_insufficient_funds_retry_the_next_ones_fall_on_paydays() -> None:
    case = open_case("insufficient_funds", datetime(2026, 5, 2, 10, 0, tzinfo=PARIS))

    plan = planned_retries(case, GENTLE)

    assert [(at.astimezone(PARIS).strftime("%d %b %H:%M"), str(reason)) for at, reason in plan] == [
        ("05 May 10:00", "three_days"),
        ("15 May 00:01", "payday"),
    ]


def test_soft_declines_are_retried_on_spaced_days_and_never_past_the_maximum() -> None:
    failed_at = datetime(2026, 5, 4, 12, 0, tzinfo=PARIS)
    case = open_case("do_not_honor", failed_at)

    plan = planned_retries(case, GENTLE)

    assert plan == [(case.opened_at + days * DAY, RetryReason.SPACED) for days in (1, 3, 5, 8, 12, 17)]
    few = dataclasses.replace(GENTLE, max_retries=2)
    for at, reason in plan[:2]:
        case.record_retry(at, reason)
    assert not any(isinstance(d, Retry) for d in decide(case, case.opened_at + 5 * DAY, few))


@pytest.mark.parametrize("code", ["lost_card", "stolen_card", "fraudulent", "pickup_card"])
def test_a_hard_decline_gets_one_new_card_request_at_once_and_no_retry(code: str) -> None:
    case = open_case(code, datetime(2026, 5, 4, 12, 0, tzinfo=PARIS))

    due, decisions = first_due(case)

    assert (due, decisions) == (case.opened_at, [Remind(HARD_DECLINE_TEMPLATE, 1)])
    assert planned_retries(case, GENTLE) == []
    assert planned_retries(case, AGGRESSIVE) == []


@pytest.mark.parametrize("code", ["expired_card", "insufficient_funds", "card_declined", "lost_card"])
def test_a_new_card_is_retried_at_once_whatever_the_decline(code: str) -> None:
    case = open_case(code, datetime(2026, 5, 4, 12, 0, tzinfo=PARIS))
    updated_at = case.opened_at + 2 * DAY + 5 * HOUR

    case.card_updated(updated_at)

    assert next_due(case, updated_at, GENTLE) == updated_at
    assert Retry(RetryReason.CARD_UPDATED, 1) in decide(case, updated_at, GENTLE)


def test_a_new_card_is_retried_even_when_every_planned_retry_is_used_up() -> None:
    case = open_case("card_declined", datetime(2026, 5, 4, 12, 0, tzinfo=PARIS))
    for at, reason in planned_retries(case, GENTLE):
        case.record_retry(at, reason)
    updated_at = case.opened_at + 18 * DAY

    case.card_updated(updated_at)

    assert decide(case, updated_at, GENTLE) == [Retry(RetryReason.CARD_UPDATED, 7)]


@pytest.mark.parametrize(
    ("failed_at", "first_message_at"),
    [
        (datetime(2026, 3, 28, 22, 30, tzinfo=PARIS), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        (datetime(2026, 10, 24, 23, 0, tzinfo=PARIS), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        (datetime(2026, 3, 7, 23, 0, tzinfo=NEW_YORK), datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        (datetime(2026, 10, 31, 23, 0, tzinfo=NEW_YORK), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
    ],
)
def test_a_request_due_at_night_in_a_dst_change_week_goes_at_eight_local_the_next_morning(
    failed_at: datetime, first_message_at: datetime
) -> None:
    case = open_case("stolen_card", failed_at)

    due, decisions = first_due(case)

    assert due == first_message_at
    assert due.astimezone(failed_at.tzinfo).hour == 8
    assert decisions == [Remind(HARD_DECLINE_TEMPLATE, 1)]


def test_a_scheduler_waking_at_night_sends_nothing_and_points_to_the_morning() -> None:
    case = open_case("expired_card", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    night = datetime(2026, 6, 4, 23, 0, tzinfo=PARIS)

    assert decide(case, night, GENTLE) == []
    assert next_due(case, night, GENTLE) == datetime(2026, 6, 5, 8, 0, tzinfo=PARIS)


def test_the_expired_card_quiet_period_holds_back_the_first_reminder_three_days() -> None:
    case = open_case("expired_card", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))

    due, decisions = first_due(case)

    assert due == case.opened_at + 3 * DAY
    assert decisions == [Remind("dunning.card_update.1", 1)]


def test_the_beach_offer_comes_two_days_before_the_end_and_the_final_action_at_the_end() -> None:
    policy = dataclasses.replace(GENTLE, final_action=FinalAction.CANCEL)
    case = open_case("expired_card", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS), policy)
    end = case.opened_at + 21 * DAY
    for n in (1, 2, 3):
        case.record_reminder(case.opened_at + (n * 5) * DAY, f"dunning.card_update.{n}")

    assert next_due(case, case.opened_at + 16 * DAY, policy) == end - 2 * DAY
    assert decide(case, end - 2 * DAY, policy) == [OfferBeach(BEACH_OFFER_TEMPLATE)]
    apply(case, OfferBeach(), end - 2 * DAY)
    assert next_due(case, end - 2 * DAY, policy) == end
    assert decide(case, end, policy) == [Close(CaseOutcome.CANCELED)]


def test_the_final_action_waits_for_a_new_card_retry_and_its_result() -> None:
    case = open_case("lost_card", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    end = case.opened_at + 21 * DAY
    case.record_beach_offer(end - 2 * DAY, BEACH_OFFER_TEMPLATE)
    case.card_updated(end)

    assert decide(case, end, GENTLE) == [Retry(RetryReason.CARD_UPDATED, 1)]
    apply(case, Retry(RetryReason.CARD_UPDATED, 1), end)
    assert decide(case, end, GENTLE) == []
    assert next_due(case, end, GENTLE) == end + GENTLE.retry_result_wait


def test_a_scheduler_back_after_the_end_offers_the_pause_before_acting_and_gives_a_day_to_answer() -> None:
    case = open_case("expired_card", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    back = case.opened_at + 25 * DAY

    assert decide(case, back, GENTLE) == [OfferBeach()]
    apply(case, OfferBeach(), back)
    assert next_due(case, back, GENTLE) == back + DAY


def test_a_scheduler_back_after_days_away_makes_one_retry_not_every_missed_one() -> None:
    case = open_case("card_declined", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    back = case.opened_at + 6 * DAY

    decisions = decide(case, back, GENTLE)

    assert [d for d in decisions if isinstance(d, Retry)] == [Retry(RetryReason.SPACED, 1)]
    for decision in decisions:
        apply(case, decision, back)
    assert decide(case, back, GENTLE) == []
    assert next_retry(case, back) == (case.opened_at + 8 * DAY, Retry(RetryReason.SPACED, 2))


def test_a_retry_missed_until_the_window_ended_is_dropped_for_the_final_action() -> None:
    case = open_case("card_declined", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    for at, reason in planned_retries(case, GENTLE)[:5]:
        case.record_retry(at, reason)
    case.record_beach_offer(case.opened_at + 19 * DAY, BEACH_OFFER_TEMPLATE)
    end = case.opened_at + 21 * DAY

    assert decide(case, end, GENTLE) == [Close(CaseOutcome.PAUSED)]


def test_a_closed_case_decides_nothing_and_is_never_due() -> None:
    case = open_case("card_declined", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    case.recover(case.opened_at + DAY)

    for offset in (0, 1, 3, 19, 21, 40):
        assert decide(case, case.opened_at + offset * DAY, GENTLE) == []
        assert next_due(case, case.opened_at + offset * DAY, GENTLE) is None


def test_a_case_is_only_run_by_the_policy_version_it_was_opened_under() -> None:
    case = open_case("card_declined", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))

    with pytest.raises(ValueError, match="gentle-v1"):
        decide(case, case.opened_at, AGGRESSIVE)


def test_nothing_is_due_before_the_failure() -> None:
    case = open_case("lost_card", datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))

    assert decide(case, case.opened_at - HOUR, GENTLE) == []
