"""The customer's payment date: the calendar rules, and the engine keeping the promise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.decisions import Remind, Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.domain.payment_date import choose, parse_day
from dunning.domain.policy import AGGRESSIVE, GENTLE, DunningPolicy
from dunning.domain.schedule import window_end
from shared.contracts.dunning import CaseOutcome
from shared.errors import Conflict, DomainError
from shared.money import Money

TOKYO = ZoneInfo("Asia/Tokyo")
# 23:30 on 3 March in Tokyo, still 3 March at 14:30 UTC: "tomorrow" is the customer's 4 March.
FAILED_AT = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)


def open_case(code: str = "insufficient_funds", policy: DunningPolicy = GENTLE) -> DunningCase:
    return DunningCase.open(
        case_id="dc_1", subscription_id="sub_1", customer_id="cus_1", invoice_id="in_1",
        amount_due=Money.of(1500, "JPY"), decline_code=code, failed_at=FAILED_AT, timezone="Asia/Tokyo",
        policy=policy,
    )  # fmt: skip


def chosen(
    case: DunningCase, day: date, now: datetime = FAILED_AT, policy: DunningPolicy = GENTLE
) -> datetime:
    return choose(case, day, now, window_end(case, policy)).retry_at


def test_tomorrow_and_fourteen_days_ahead_count_in_the_customers_timezone() -> None:
    case = open_case()
    assert chosen(case, date(2026, 3, 4)) == datetime(2026, 3, 4, 9, 0, tzinfo=TOKYO)
    again = open_case()
    assert chosen(again, date(2026, 3, 17)) == datetime(2026, 3, 17, 9, 0, tzinfo=TOKYO)


@pytest.mark.parametrize("day", [date(2026, 3, 3), date(2026, 3, 2), date(2026, 3, 18), date(2027, 3, 4)])
def test_today_the_past_and_beyond_fourteen_days_are_refused_naming_date(day: date) -> None:
    with pytest.raises(DomainError) as refused:
        chosen(open_case(), day)
    assert refused.value.field == "date"
    assert not isinstance(refused.value, Conflict)


def test_just_after_midnight_in_tokyo_tomorrow_is_the_next_local_day() -> None:
    case = open_case()
    after_midnight = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)  # 00:30 on 4 March in Tokyo
    with pytest.raises(DomainError):
        chosen(case, date(2026, 3, 4), after_midnight)
    assert chosen(case, date(2026, 3, 5), after_midnight) == datetime(2026, 3, 5, 9, 0, tzinfo=TOKYO)


def test_a_day_past_the_window_is_refused_naming_date() -> None:
    case = open_case()
    late = FAILED_AT + timedelta(days=19)  # the 21-day window ends on 24 March
    with pytest.raises(DomainError) as refused:
        chosen(case, date(2026, 3, 25), late)
    assert refused.value.field == "date"
    assert "before 2026-03-24" in str(refused.value)


@pytest.mark.parametrize("text", ["2026-3-4", "04/03/2026", "2026-03-04T09:00", "tomorrow", "", "2026-02-30"])
def test_anything_but_a_calendar_day_as_yyyy_mm_dd_is_refused_naming_date(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_day(text)
    assert refused.value.field == "date"


def test_the_date_can_be_changed_once() -> None:
    case = open_case()
    chosen(case, date(2026, 3, 10))
    chosen(case, date(2026, 3, 12))
    with pytest.raises(Conflict) as refused:
        chosen(case, date(2026, 3, 13))
    assert refused.value.field == "date"
    assert case.payment_date is not None
    assert case.payment_date.day == date(2026, 3, 12)


def test_choosing_the_same_day_again_is_not_a_change() -> None:
    case = open_case()
    first = chosen(case, date(2026, 3, 10))
    assert chosen(case, date(2026, 3, 10)) == first
    chosen(case, date(2026, 3, 12))
    assert case.payment_date is not None
    assert case.payment_date.choices == 2


def test_a_closed_case_refuses_a_date_as_a_conflict() -> None:
    case = open_case()
    case.close(CaseOutcome.RECOVERED, FAILED_AT + timedelta(hours=1))
    with pytest.raises(Conflict):
        chosen(case, date(2026, 3, 10))


def run_until(
    case: DunningCase, end: datetime, policy: DunningPolicy = GENTLE
) -> list[tuple[datetime, object]]:
    """Every decision the scheduler would carry out until `end`, failing every retry."""
    now = case.opened_at
    done: list[tuple[datetime, object]] = []
    while (due := next_due(case, now, policy)) is not None and due < end:
        now = due
        for decision in decide(case, now, policy):
            apply(case, decision, now)
            done.append((now, decision))
    return done


@pytest.mark.parametrize("code", ["insufficient_funds", "card_declined", "expired_card"])
def test_the_retry_comes_at_nine_on_the_chosen_day_and_nothing_is_sent_or_retried_before(code: str) -> None:
    case = open_case(code)
    retry_at = chosen(case, date(2026, 3, 16))  # after the 15th's payday and the 3-day fallback

    done = run_until(case, retry_at + timedelta(minutes=1))

    assert done == [(retry_at, Retry(RetryReason.CUSTOMER_DATE, 1))]


def test_after_the_chosen_retry_fails_the_policy_goes_on() -> None:
    case = open_case("card_declined")
    retry_at = chosen(case, date(2026, 3, 5))

    done = run_until(case, FAILED_AT + timedelta(days=10))

    assert done[0] == (retry_at, Retry(RetryReason.CUSTOMER_DATE, 1))
    later = [d for _, d in done[1:]]
    assert any(isinstance(d, Retry) and d.reason is RetryReason.SPACED for d in later)
    assert any(isinstance(d, Remind) for d in later)


def test_the_aggressive_variant_also_waits_for_the_customers_day() -> None:
    case = open_case(policy=AGGRESSIVE)
    retry_at = chosen(case, date(2026, 3, 8), policy=AGGRESSIVE)

    done = run_until(case, retry_at + timedelta(minutes=1), AGGRESSIVE)

    assert [decision for _, decision in done] == [Retry(RetryReason.CUSTOMER_DATE, 1)]
