"""The gentle-dunning engine: a pure function of (case, now, policy) to decisions.

The scheduler's loop is: `decide` at `now`, `apply` each decision (and send its
message), then store `next_due` as the case's wake-up time. Every new fact from outside
(`payment_method.updated`, a pause starting or ending) changes the answer too, so the
service layer recomputes `next_due` after applying any of them. Guarantees: whenever
`next_due` answers `now`, `decide` at `now` returns something, so the loop never spins
idle; and an open case always has a next due time, since its window must end.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from dunning.domain.case import DunningCase
from dunning.domain.decisions import (
    HARD_DECLINE_TEMPLATE,
    Close,
    Decision,
    OfferBeach,
    Remind,
    Retry,
    card_update_template,
)
from dunning.domain.policy import DunningPolicy
from dunning.domain.schedule import beach_offer_due, final_action_due, reminder_due, retry_due
from shared.calendar import as_utc
from shared.contracts.dunning import DeclineClass


def _checked(case: DunningCase, now: datetime, policy: DunningPolicy) -> datetime:
    if case.policy_version != policy.version:
        raise ValueError(f"case {case.id} runs under policy {case.policy_version!r}, not {policy.version!r}")
    return as_utc(now)


def _reminder(case: DunningCase) -> Remind:
    number = len(case.reminders_sent) + 1
    hard = case.decline_class is DeclineClass.HARD_DECLINE
    return Remind(HARD_DECLINE_TEMPLATE if hard else card_update_template(number), number)


def decide(case: DunningCase, now: datetime, policy: DunningPolicy) -> list[Decision]:
    """What is due at `now`, in the order to apply it; nothing for a closed case.

    The final action comes alone. It waits for a retry that is due at the same
    moment: a customer who just gave us a new card must not be canceled first.
    """
    now = _checked(case, now, policy)
    if not case.is_open:
        return []
    retry = retry_due(case, now, policy)
    if (retry is None or retry[0] > now) and final_action_due(case, now, policy) == now:
        return [Close(policy.final_action.outcome)]
    decisions: list[Decision] = []
    if retry is not None and retry[0] == now:
        decisions.append(Retry(retry[1], len(case.retries) + 1))
    if reminder_due(case, now, policy) == now:
        decisions.append(_reminder(case))
    if beach_offer_due(case, now, policy) == now:
        decisions.append(OfferBeach())
    return decisions


def next_due(case: DunningCase, now: datetime, policy: DunningPolicy) -> datetime | None:
    """The earliest moment at or after `now` when `decide` will return something.

    It takes `now` because "due" depends on it: a reminder overdue at 23:00 is next
    due at 08:00, not in the past. None only for a closed case.
    """
    now = _checked(case, now, policy)
    if not case.is_open:
        return None
    retry = retry_due(case, now, policy)
    moments = [
        retry[0] if retry is not None else None,
        reminder_due(case, now, policy),
        beach_offer_due(case, now, policy),
        final_action_due(case, now, policy),
    ]
    return min((moment for moment in moments if moment is not None), default=None)


def apply(case: DunningCase, decision: Decision, at: datetime) -> None:
    """Record a decision on the case once its message is on its way (same transaction)."""
    match decision:
        case Retry(reason=reason):
            case.record_retry(at, reason)
        case Remind(template_id=template_id):
            case.record_reminder(at, template_id)
        case OfferBeach(template_id=template_id):
            case.record_beach_offer(at, template_id)
        case Close(outcome=outcome):
            case.close(outcome, at)
        case _:
            assert_never(decision)
