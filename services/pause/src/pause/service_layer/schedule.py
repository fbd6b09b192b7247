"""Pause's due work: start pauses at the end of the paid period, remind, end them.

The friendly reminder goes out 7 days before resume, so nobody is surprised by the
first regular charge after a break.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.notifications import NotificationRequested

UnitOfWorkFactory = Callable[[], PauseUnitOfWork]


def _due(pause: BeachPause, now: datetime, policies: PausePolicies, plan_code: str) -> bool:
    if pause.status is PauseStatus.SCHEDULED:
        return pause.is_due_to_start(now)
    return pause.is_due_to_end(now) or pause.reminder_due(now, policies.for_plan(plan_code))


async def count_due(uow: UnitOfWorkFactory, policies: PausePolicies) -> int:
    async with uow() as work:
        now = work.clock.now()
        count = 0
        for pause in await work.pauses.live(10_000):
            view = await work.subscriptions.get(pause.subscription_id)
            count += _due(pause, now, policies, view.plan_code if view else "")
        return count


async def next_due_at(uow: UnitOfWorkFactory, policies: PausePolicies) -> datetime | None:
    """The next start, reminder or end of any pause: the test clock stops there."""
    async with uow() as work:
        moments: list[datetime] = []
        for pause in await work.pauses.live(10_000):
            if pause.status is PauseStatus.SCHEDULED:
                moments.append(pause.starts_at)
            else:
                view = await work.subscriptions.get(pause.subscription_id)
                lead = policies.for_plan(view.plan_code if view else "").reminder_before_resume
                if pause.reminder_sent_at is None:
                    moments.append(pause.resumes_at - lead)
                moments.append(pause.resumes_at)
        return min(moments) if moments else None


async def run_due(uow: UnitOfWorkFactory, policies: PausePolicies) -> int:
    done = 0
    async with uow() as work:
        now = work.clock.now()
        for pause in await work.pauses.live(1000):
            view = await work.subscriptions.get(pause.subscription_id)
            policy = policies.for_plan(view.plan_code if view else "")
            changed = False
            if pause.status is PauseStatus.SCHEDULED and pause.is_due_to_start(now):
                pause.start(now)
                changed = True
            if pause.status is PauseStatus.ACTIVE and pause.is_due_to_end(now):
                pause.end(now)
                changed = True
            elif pause.status is PauseStatus.ACTIVE and pause.reminder_due(now, policy):
                pause.mark_reminded(now)
                await _remind(work, pause, now)
                changed = True
            if not changed:
                continue
            await work.pauses.save(pause)
            done += 1
        await work.commit()
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
            template_id="pause.resume_reminder",
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
