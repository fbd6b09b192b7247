"""When each kind of action may next happen for a case under a policy.

Each `*_due` function answers: the earliest moment at or after `now` at which this may
happen, or None if it never will given what the case knows today (a new fact, such as
a card update or a resume, can change the answer). The engine acts on the answers equal
to `now` and reports the smallest as the next due time. Because everything is
recomputed from the case's facts, a late or restarted scheduler catches up with one
action of each kind instead of replaying every missed one, and never messages the
customer at night because it happened to wake up then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.local_time import next_payday
from dunning.domain.payment_date import pending_retry_at
from dunning.domain.policy import DAY, DunningPolicy, RetryStrategy
from shared.contracts.dunning import DeclineClass

Plan = list[tuple[datetime, RetryReason]]


def window_end(case: DunningCase, policy: DunningPolicy) -> datetime:
    return case.opened_at + policy.window


def _sendable(moment: datetime, case: DunningCase, policy: DunningPolicy) -> datetime:
    quiet = policy.quiet_hours
    return moment if quiet is None else quiet.next_allowed(moment, case.zone)


def _payday_plan(case: DunningCase, policy: DunningPolicy, end: datetime) -> Plan:
    """The earlier of the next payday and the fallback, then every payday after it."""
    paydays, clock, zone = policy.paydays, policy.payday_time, case.zone
    payday = next_payday(case.opened_at, zone, paydays, clock)
    fallback = case.opened_at + policy.insufficient_funds_fallback
    plan: Plan = [(payday, RetryReason.PAYDAY) if payday <= fallback else (fallback, RetryReason.THREE_DAYS)]
    while plan[-1][0] < end:
        plan.append((next_payday(plan[-1][0], zone, paydays, clock), RetryReason.PAYDAY))
    return plan


def planned_retries(case: DunningCase, policy: DunningPolicy) -> Plan:
    """Retries the policy plans without news from the customer, all inside the window.

    Hard declines get none and expired cards wait for their new card: retrying the
    same dead card only adds declines to the merchant's record.
    """
    end, opened = window_end(case, policy), case.opened_at
    plan: Plan = []
    if case.decline_class is DeclineClass.HARD_DECLINE:
        plan = []
    elif policy.retry_strategy is RetryStrategy.DAILY:
        days = range(1, int(policy.window / DAY) + 1)
        plan = [(opened + day * DAY, RetryReason.DAILY) for day in days]
    elif case.decline_class is DeclineClass.SOFT_DECLINE:
        plan = [(opened + day * DAY, RetryReason.SPACED) for day in policy.soft_retry_days]
    elif case.decline_class is DeclineClass.INSUFFICIENT_FUNDS:
        plan = _payday_plan(case, policy, end)
    return [(at, reason) for at, reason in plan if at < end]


def retry_due(case: DunningCase, now: datetime, policy: DunningPolicy) -> tuple[datetime, RetryReason] | None:
    """A new card is retried at once, for every class and beyond `max_retries`.

    Otherwise the next planned retry after the last retry of any kind, so a retry
    the scheduler missed is made once, late, rather than all missed ones at once, and
    only while the window lasts: after it, the final action is due instead.
    """
    last = case.last_retry_at
    if case.card_updated_at is not None and (last is None or last < case.card_updated_at):
        return max(case.card_updated_at, now), RetryReason.CARD_UPDATED
    if case.backup_card is not None and not case.retries:  # the backup, before anything else
        return max(case.opened_at, now), RetryReason.BACKUP_CARD
    chosen = pending_retry_at(case)
    if chosen is not None:  # the customer's day comes before anything the policy planned
        return max(chosen, now), RetryReason.CUSTOMER_DATE
    planned_made = sum(retry.reason is not RetryReason.CARD_UPDATED for retry in case.retries)
    if policy.max_retries is not None and planned_made >= policy.max_retries:
        return None
    for at, reason in planned_retries(case, policy):
        if last is None or at > last:
            return (max(at, now), reason) if now < window_end(case, policy) else None
    return None


def beach_offer_at(case: DunningCase, policy: DunningPolicy) -> datetime | None:
    """When the pause is offered if all goes to plan; None if the policy offers none."""
    if policy.beach_offer_before_end is None:
        return None
    return _sendable(window_end(case, policy) - policy.beach_offer_before_end, case, policy)


def reminder_due(case: DunningCase, now: datetime, policy: DunningPolicy) -> datetime | None:
    """The next reminder: on its cadence, out of quiet hours, spaced, never paused.

    A card update counts like a contact for spacing: the customer just acted, and
    the retry it triggers may well succeed. The last reminder must leave a full gap
    before the beach offer (or the window's end), so that one does not crowd it.
    """
    if case.beach_offer_sent_at is not None or (case.backup_card is not None and not case.retries):
        return None  # nor before the backup card was tried
    hard = case.decline_class is DeclineClass.HARD_DECLINE
    cap = policy.hard_decline_max_reminders if hard else policy.max_reminders
    number = len(case.reminders_sent) + 1
    if cap is not None and number > cap:
        return None
    lead = timedelta(0) if hard else policy.first_reminder_after
    floors = [case.opened_at + lead + (number - 1) * policy.reminder_every, now]
    if case.decline_class is DeclineClass.EXPIRED_CARD:
        floors.append(case.opened_at + policy.expired_card_quiet_period)
    if case.reminders_sent:
        floors.append(case.reminders_sent[-1] + policy.min_reminder_gap)
    if case.card_updated_at is not None:
        floors.append(case.card_updated_at + policy.min_reminder_gap)
    if case.backup_card is not None:  # the backup's result first
        floors.append(case.retries[0].at + policy.retry_result_wait)
    if case.payment_date is not None:  # nothing before the customer's day and its result
        floors.append(case.payment_date.retry_at + policy.retry_result_wait)
    at = _sendable(max(floors), case, policy)
    cutoff = beach_offer_at(case, policy) or window_end(case, policy)
    return at if at + policy.min_reminder_gap <= cutoff else None


def beach_offer_due(case: DunningCase, now: datetime, policy: DunningPolicy) -> datetime | None:
    """Once, before the final action; not to a customer who is already paused."""
    planned = beach_offer_at(case, policy)
    if planned is None or case.beach_offer_sent_at is not None:
        return None
    if case.payment_date is not None:
        planned = max(planned, case.payment_date.retry_at + policy.retry_result_wait)
    return _sendable(max(planned, now), case, policy)


def final_action_due(case: DunningCase, now: datetime, policy: DunningPolicy) -> datetime | None:
    """The end of the window, but never before the customer could answer the offer.

    A beach offer still owed blocks it (None); a late offer gets half its usual lead
    time; and a fresh retry gets `retry_result_wait` for its result to arrive first.
    """
    at = window_end(case, policy)
    lead = policy.beach_offer_before_end
    if lead is not None:
        if case.beach_offer_sent_at is None:
            return None
        at = max(at, case.beach_offer_sent_at + lead / 2)
    if case.last_retry_at is not None:
        at = max(at, case.last_retry_at + policy.retry_result_wait)
    return max(at, now)
