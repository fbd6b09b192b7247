"""What billing does with each fact the pause service tells it about a subscription.

Pause facts arrive out of order (a replay, a redelivery, a rebalance), so each is
applied only if it is the newest (`Subscription.take_pause_fact`), and only to a
subscription still open to it: a pause that starts after the customer canceled, or
while another pause runs, changes nothing. A fact that says the whole pause
(`pause.extended`) can stand in for an earlier one still on its way.
"""

from __future__ import annotations

from datetime import datetime

from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.contracts.pause import PauseExtended, PauseScheduled, PauseStarted

OPEN_TO_A_PAUSE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def pause_started(subscription: Subscription, data: PauseStarted) -> None:
    if subscription.status in OPEN_TO_A_PAUSE:  # not canceled meanwhile, nor already paused
        subscription.pause(
            pause_id=data.pause_id, at=data.starts_at, resumes_at=data.resumes_at, fee=data.fee_per_month
        )


def pause_scheduled(subscription: Subscription, data: PauseScheduled) -> None:
    if subscription.status in OPEN_TO_A_PAUSE:
        subscription.schedule_pause(data.pause_id, data.starts_at)


def pause_extended(subscription: Subscription, data: PauseExtended) -> None:
    """Longer on the beach; if its `pause.started` (or `pause.scheduled`) is still on its
    way, this newest fact starts (or schedules) the pause itself."""
    if subscription.status in OPEN_TO_A_PAUSE and data.starts_at is not None:
        if data.running:
            subscription.pause(
                pause_id=data.pause_id, at=data.starts_at, resumes_at=data.resumes_at, fee=data.fee_per_month
            )
        elif data.running is False:
            subscription.schedule_pause(data.pause_id, data.starts_at)
    if subscription.status is SubscriptionStatus.PAUSED:
        subscription.extend_pause(data.pause_id, data.resumes_at)


def pause_ended(subscription: Subscription, pause_id: str, at: datetime) -> bool:
    """Back from the beach (ended, or called off); True when the subscription resumed and
    a new period starts at `at`, to be invoiced and charged at once."""
    if subscription.status is not SubscriptionStatus.PAUSED or subscription.pause_id != pause_id:
        subscription.drop_scheduled_pause(pause_id)  # called off before it began, or not this one
        return False
    subscription.resume(at=at, pause_id=pause_id)
    return True
