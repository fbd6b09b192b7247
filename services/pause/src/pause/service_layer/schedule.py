"""Pause's due work: start pauses at the end of the paid period, remind, end them.

The friendly reminder goes out 7 days before resume, so nobody is surprised by the
first regular charge after a break.
"""

from __future__ import annotations

from datetime import datetime

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.service_layer.customer_messages import (
    RESUME_REMINDER_TEMPLATE,
    RESUMED_TEMPLATE,
    CustomerMail,
    tell_customer,
)
from pause.service_layer.messages import CountDuePauseMoments, NextPauseMoment, RunDuePauseMoments
from pause.service_layer.unit_of_work import PauseUnitOfWork


def _due(pause: BeachPause, now: datetime, policies: PausePolicies, plan_code: str) -> bool:
    if pause.status is PauseStatus.SCHEDULED:
        return pause.is_due_to_start(now)
    return pause.is_due_to_end(now) or pause.reminder_due(now, policies.for_plan(plan_code))


async def _due_pauses(
    work: PauseUnitOfWork, policies: PausePolicies, limit: int
) -> list[tuple[BeachPause, str]]:
    """Pauses with a moment due now, with their plan codes; SQL narrows, `_due` decides."""
    now = work.clock.now()
    found = await work.pauses.starting_or_resuming_by(now + policies.longest_reminder_lead, limit)
    return [(pause, plan) for pause, plan in found if _due(pause, now, policies, plan)]


async def count_due(query: CountDuePauseMoments, work: PauseUnitOfWork, policies: PausePolicies) -> int:
    return len(await _due_pauses(work, policies, 10_000))


async def next_due_at(
    query: NextPauseMoment, work: PauseUnitOfWork, policies: PausePolicies
) -> datetime | None:
    found = await work.pauses.next_moments()
    moments = [m for m in (found.first_start, found.first_resume) if m is not None]
    for plan, resume in found.unreminded_resumes.items():
        moments.append(resume - policies.for_plan(plan).reminder_before_resume)
    return min(moments) if moments else None


async def run_due(
    command: RunDuePauseMoments, work: PauseUnitOfWork, policies: PausePolicies, mail: CustomerMail
) -> int:
    done = 0
    now = work.clock.now()
    for pause, plan in await _due_pauses(work, policies, 1000):
        if pause.status is PauseStatus.SCHEDULED:
            pause.start(now)
        if pause.status is PauseStatus.ACTIVE and pause.is_due_to_end(now):
            pause.end(now)
            await tell_customer(work, mail, pause, RESUMED_TEMPLATE, now)
        elif pause.status is PauseStatus.ACTIVE and pause.reminder_due(now, policies.for_plan(plan)):
            pause.mark_reminded(now)
            await _remind(work, mail, pause, now)
        await work.pauses.save(pause)
        done += 1
    return done


async def _remind(work: PauseUnitOfWork, mail: CustomerMail, pause: BeachPause, now: datetime) -> None:
    view = await work.subscriptions.get(pause.subscription_id)
    price = view.price if view else None
    await tell_customer(work, mail, pause, RESUME_REMINDER_TEMPLATE, now, price=price)
