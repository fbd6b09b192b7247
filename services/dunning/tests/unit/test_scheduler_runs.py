"""Whole cases run by a simulated scheduler: every limit holds on every run.

The scheduler steps time forward to `next_due` (or, when late, wakes at fixed
intervals), applies every decision the engine returns, and feeds in what customers do:
a new card, a pause (which ends the case, as billing's `subscription.paused` does), a
payment that finally succeeds. The checks below look only at
what a customer would see, recomputing local time on their own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.decisions import BEACH_OFFER_TEMPLATE, Close, Decision, OfferBeach, Remind, Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.domain.policy import AGGRESSIVE, GENTLE, DunningPolicy, FinalAction
from shared.contracts.dunning import (
    CaseOutcome,
    DeclineClass,
    DunningCaseClosed,
    DunningCaseOpened,
    DunningReminderSent,
    DunningRetryScheduled,
)
from shared.money import Money

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
ZONES = [
    "Pacific/Auckland",
    "America/Los_Angeles",
    "America/New_York",
    "Asia/Kolkata",
    "Europe/Paris",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kathmandu",
    "America/Santiago",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
]
CODES = [
    "expired_card",
    "insufficient_funds",
    "card_velocity_exceeded",
    "card_declined",
    "do_not_honor",
    "processing_error",
    "never_seen_before",
    "lost_card",
    "stolen_card",
    "fraudulent",
    "pickup_card",
]
failure_times = st.datetimes(datetime(2024, 1, 1), datetime(2031, 1, 1), timezones=st.just(UTC))
zones = st.sampled_from(ZONES)
offsets = st.timedeltas(timedelta(0), 24 * DAY).map(lambda offset: offset - offset % timedelta(minutes=1))


@dataclass
class Run:
    case: DunningCase
    policy: DunningPolicy
    actions: list[tuple[datetime, Decision]] = field(default_factory=list)
    paused_at: datetime | None = None

    def times(self, kind: type[Decision]) -> list[datetime]:
        return [at for at, decision in self.actions if isinstance(decision, kind)]

    def contacts(self) -> list[datetime]:
        return [at for at, decision in self.actions if isinstance(decision, Remind | OfferBeach)]

    @property
    def window_end(self) -> datetime:
        return self.case.opened_at + self.policy.window


Event = tuple[datetime, Callable[[DunningCase, datetime], object]]  # what it returns is ignored


def open_case(code: str, failed_at: datetime, zone: str, policy: DunningPolicy = GENTLE) -> DunningCase:
    return DunningCase.open(
        case_id="dun_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        invoice_id="inv_1",
        amount_due=Money(amount=1500, currency="EUR"),
        decline_code=code,
        failed_at=failed_at,
        timezone=zone,
        policy=policy,
    )


def run(
    case: DunningCase,
    policy: DunningPolicy = GENTLE,
    *,
    card_update_after: timedelta | None = None,
    pause: timedelta | None = None,
    succeeds: Callable[[Retry], bool] = lambda retry: False,
    wake_every: timedelta | None = None,
    down: tuple[timedelta, timedelta] | None = None,
) -> Run:
    """Drive the case to its end as the scheduler would, with customer events mixed in.

    By default the scheduler wakes exactly at `next_due`. With `wake_every` it polls on
    its own rhythm instead, and with `down` it is out for a while and then catches up.
    """
    result, now = Run(case, policy), case.opened_at
    events: list[Event] = []
    if card_update_after is not None:
        events.append((now + card_update_after, DunningCase.card_updated))
    if pause is not None:
        result.paused_at = now + pause
        events.append((result.paused_at, lambda case, at: case.close(CaseOutcome.PAUSED, at)))
    for _ in range(1000):
        if not case.is_open:
            return result
        due = next_due(case, now, policy)
        assert due is not None, "an open case always has something ahead"
        assert due >= now
        wake = due if wake_every is None else now + wake_every
        if down is not None and case.opened_at + down[0] <= wake < case.opened_at + down[0] + down[1]:
            wake = case.opened_at + down[0] + down[1]
        events.sort(key=lambda event: event[0])
        if events and events[0][0] <= wake:
            now, happen = events.pop(0)
            if case.is_open:
                happen(case, now)
            continue
        now = wake
        decisions = decide(case, now, policy)
        assert decisions or wake != due, "next_due promised something at this moment"
        for decision in decisions:
            apply(case, decision, now)
            result.actions.append((now, decision))
            if isinstance(decision, Retry) and succeeds(decision):
                events.append((now + timedelta(minutes=1), DunningCase.recover))
    raise AssertionError("the case never closed")


def is_night(moment: datetime, zone: str) -> bool:
    local = moment.astimezone(ZoneInfo(zone))
    return local.hour >= 21 or local.hour < 8


def assert_gentle_limits(result: Run, late_by: timedelta = timedelta(0)) -> None:
    case = result.case
    contacts, reminders = result.contacts(), result.times(Remind)
    assert not any(is_night(at, case.timezone) for at in contacts)
    assert all(later - earlier >= 72 * HOUR for earlier, later in pairwise(contacts))
    assert len(reminders) <= (1 if case.decline_class is DeclineClass.HARD_DECLINE else 3)
    assert all(at < result.paused_at for at in contacts if result.paused_at is not None)
    if case.decline_class is DeclineClass.EXPIRED_CARD:
        assert all(at >= case.opened_at + 3 * DAY for at in reminders)
    planned = [
        at for at, d in result.actions if isinstance(d, Retry) and d.reason is not RetryReason.CARD_UPDATED
    ]
    assert len(planned) <= 6
    assert all(at < result.window_end for at in planned)
    if case.decline_class is DeclineClass.HARD_DECLINE:
        assert planned == []
    assert len(result.times(OfferBeach)) <= 1
    assert all(at < result.window_end + late_by + 2 * DAY for at, _ in result.actions)


def assert_events_mirror_the_run(result: Run) -> None:
    events = result.case.events
    assert isinstance(events[0], DunningCaseOpened)
    assert isinstance(events[-1], DunningCaseClosed)
    assert sum(isinstance(e, DunningRetryScheduled) for e in events) == len(result.times(Retry))
    sent = [e for e in events if isinstance(e, DunningReminderSent)]
    assert [e.reminder_number for e in sent] == list(range(1, len(result.contacts()) + 1))
    assert events[-1].reminders_sent == len(sent)


@settings(max_examples=300, deadline=None)
@given(
    failed_at=failure_times,
    zone=zones,
    code=st.sampled_from(CODES),
    card_update_after=st.none() | offsets,
    pause=st.none() | offsets,
    successful_retry=st.none() | st.integers(1, 8),
)
def test_gentle_runs_keep_every_limit_whatever_customers_do(
    failed_at: datetime,
    zone: str,
    code: str,
    card_update_after: timedelta | None,
    pause: timedelta | None,
    successful_retry: int | None,
) -> None:
    result = run(
        open_case(code, failed_at, zone),
        card_update_after=card_update_after,
        pause=pause,
        succeeds=lambda retry: retry.retry_number == successful_retry,
    )

    assert_gentle_limits(result)
    assert_events_mirror_the_run(result)
    updated = result.case.card_updated_at
    card_retries = [retry.at for retry in result.case.retries if retry.reason is RetryReason.CARD_UPDATED]
    closed = result.case.closed_at
    ended_first = updated is not None and closed is not None and closed <= updated  # paused or paid then
    expected = [] if updated is None or ended_first else [updated]
    assert card_retries == expected, "a new card is retried at once, once (unless the case ended then)"
    if result.case.decline_class is DeclineClass.HARD_DECLINE:
        assert [retry.at for retry in result.case.retries] == card_retries


@settings(max_examples=200, deadline=None)
@given(
    failed_at=failure_times,
    zone=zones,
    code=st.sampled_from(CODES),
    pause=st.none() | offsets,
    wake_every=st.none() | st.timedeltas(2 * HOUR, 12 * HOUR),
    down=st.none() | st.tuples(offsets, st.timedeltas(HOUR, 5 * DAY)),
)
def test_a_late_or_polling_scheduler_still_keeps_every_limit(
    failed_at: datetime,
    zone: str,
    code: str,
    pause: timedelta | None,
    wake_every: timedelta | None,
    down: tuple[timedelta, timedelta] | None,
) -> None:
    """Polls at most 12 hours apart, so every day (13 hours outside quiet hours) has one."""
    result = run(open_case(code, failed_at, zone), pause=pause, wake_every=wake_every, down=down)

    outage_past_the_end = down[0] + down[1] - 21 * DAY if down else timedelta(0)
    assert_gentle_limits(
        result, late_by=max(outage_past_the_end, timedelta(0)) + (wake_every or timedelta(0))
    )
    assert_events_mirror_the_run(result)
    retries = result.times(Retry)
    assert all(later > earlier for earlier, later in pairwise(retries)), (
        "one retry per wake-up, never a burst of missed ones"
    )


@settings(max_examples=60, deadline=None)
@given(failed_at=failure_times, zone=zones)
def test_an_expired_card_replaced_two_days_later_is_retried_at_once_and_never_reminded(
    failed_at: datetime, zone: str
) -> None:
    result = run(
        open_case("expired_card", failed_at, zone),
        card_update_after=2 * DAY,
        succeeds=lambda retry: retry.reason is RetryReason.CARD_UPDATED,
    )

    assert result.actions == [(result.case.opened_at + 2 * DAY, Retry(RetryReason.CARD_UPDATED, 1))]
    assert result.case.outcome is CaseOutcome.RECOVERED
    assert result.case.contacts == 0


@settings(max_examples=60, deadline=None)
@given(failed_at=failure_times, zone=zones)
def test_an_expired_card_whose_new_card_also_fails_gets_no_reminder_on_the_same_day(
    failed_at: datetime, zone: str
) -> None:
    result = run(open_case("expired_card", failed_at, zone), card_update_after=2 * DAY)

    assert result.times(Retry) == [result.case.opened_at + 2 * DAY]
    assert result.times(Remind)[0] >= result.case.opened_at + 5 * DAY


@settings(max_examples=60, deadline=None)
@given(failed_at=failure_times, zone=zones, final_action=st.sampled_from(["pause", "cancel"]))
def test_an_expired_card_never_replaced_gets_the_maximum_reminders_then_the_offer_then_the_final_action(
    failed_at: datetime, zone: str, final_action: str
) -> None:
    policy = dataclasses.replace(GENTLE, final_action=FinalAction(final_action))
    result = run(open_case("expired_card", failed_at, zone), policy)

    kinds = [type(decision) for _, decision in result.actions]
    assert kinds == [Remind, Remind, Remind, OfferBeach, Close]
    assert [d.template_id for _, d in result.actions if isinstance(d, Remind | OfferBeach)] == [
        "dunning.card_update.1",
        "dunning.card_update.2",
        "dunning.card_update.3",
        BEACH_OFFER_TEMPLATE,
    ]
    assert result.actions[-1] == (result.window_end, Close(policy.final_action.outcome))
    assert all(result.case.opened_at < at <= result.window_end for at, _ in result.actions)


@settings(max_examples=60, deadline=None)
@given(failed_at=failure_times, zone=zones, code=st.sampled_from(["lost_card", "stolen_card", "fraudulent"]))
def test_a_hard_decline_without_a_new_card_is_never_retried_and_asked_once(
    failed_at: datetime, zone: str, code: str
) -> None:
    result = run(open_case(code, failed_at, zone))

    assert result.times(Retry) == []
    assert [d for _, d in result.actions if isinstance(d, Remind)] == [
        Remind("dunning.hard_decline.new_card", 1)
    ]
    assert result.case.outcome is CaseOutcome.PAUSED


def local_payday_oracle(failed_at: datetime, zone: ZoneInfo) -> datetime:
    """The next 1st or 15th at 00:01 local, found by walking the calendar day by day."""
    day = failed_at.astimezone(zone).date()
    while True:
        if day.day in (1, 15):
            candidate = datetime(day.year, day.month, day.day, 0, 1, tzinfo=zone).astimezone(UTC)
            if candidate > failed_at:
                return candidate
        day += DAY


@settings(max_examples=100, deadline=None)
@given(failed_at=failure_times, zone=zones)
def test_insufficient_funds_are_first_retried_at_the_earlier_of_payday_and_three_days(
    failed_at: datetime, zone: str
) -> None:
    result = run(open_case("insufficient_funds", failed_at, zone))

    expected = min(local_payday_oracle(failed_at, ZoneInfo(zone)), failed_at + 3 * DAY)
    assert result.times(Retry)[0] == expected
    later = result.case.retries[1:]
    assert all(retry.reason is RetryReason.PAYDAY for retry in later)
    assert all(retry.at.astimezone(ZoneInfo(zone)).day in (1, 15) for retry in later)


@settings(max_examples=40, deadline=None)
@given(failed_at=failure_times, zone=zones, code=st.sampled_from(CODES))
def test_the_aggressive_baseline_sends_a_reminder_every_day_at_any_hour(
    failed_at: datetime, zone: str, code: str
) -> None:
    result = run(open_case(code, failed_at, zone, AGGRESSIVE), AGGRESSIVE)

    reminders = result.times(Remind)
    assert reminders[0] == result.case.opened_at
    assert len(reminders) == 19
    assert all(later - earlier == DAY for earlier, later in pairwise(reminders))
    assert result.times(OfferBeach) == [reminders[-1] + DAY]
    if result.case.decline_class is not DeclineClass.HARD_DECLINE:
        assert len(result.times(Retry)) == 20
