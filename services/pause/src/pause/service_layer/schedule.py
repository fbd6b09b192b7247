"""Pause's due work: start pauses at the end of the paid period, remind, end them.

The friendly reminder goes out 7 days before resume, so nobody is surprised by the
first regular charge after a break.
"""

from __future__ import annotations

from datetime import datetime

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.service_layer.messages import CountDuePauseMoments, NextPauseMoment, RunDuePauseMoments
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.notifications import NotificationRequested

RESUME_REMINDER_TEMPLATE = "pause.resume_reminder"
"""The one message pause asks the notifier for, 7 days before a pause ends."""


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


async def run_due(command: RunDuePauseMoments, work: PauseUnitOfWork, policies: PausePolicies) -> int:
    done = 0
    now = work.clock.now()
    for pause, plan in await _due_pauses(work, policies, 1000):
        if pause.status is PauseStatus.SCHEDULED:
            pause.start(now)
        if pause.status is PauseStatus.ACTIVE and pause.is_due_to_end(now):
            pause.end(now)
        elif pause.status is PauseStatus.ACTIVE and pause.reminder_due(now, policies.for_plan(plan)):
            pause.mark_reminded(now)
            await _remind(work, pause, now)
        await work.pauses.save(pause)
        done += 1
    return done


async def _remind(work: PauseUnitOfWork, pause: BeachPause, now: datetime) -> None:
    customer = await work.customers.get(pause.customer_id)
    if customer is None:
        return
    view = await work.subscriptions.get(pause.subscription_id)
    price = f" at {view.price.format()}" if view else ""
    day = f"{pause.resumes_at:%A %d %B %Y}"
    work.emit(
        NotificationRequested(
            notification_id=f"ntf_{pause.id}_{pause.resumes_at:%Y%m%d}",
            customer_id=pause.customer_id,
            subscription_id=pause.subscription_id,
            to=customer.email,
            template_id=RESUME_REMINDER_TEMPLATE,
            subject_line="Your break ends next week",
            body_text=(
                f"Hi {customer.name},\n\n"
                f"We hope the break did you good. Your subscription picks up again on {day}{price}, "
                "with everything just as you left it.\n\n"
                "Need a little longer? You can extend your pause from your account page, "
                "or resume early whenever you like.\n"
            ),
            requested_at=now,
        )
    )
