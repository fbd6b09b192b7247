"""What billing consumes: orders on `billing.commands`, and pauses on `pause.events`."""

from __future__ import annotations

from collections.abc import Callable

from billing.service_layer import commands
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.base import Topic
from shared.contracts.commands import CancelSubscription, RetryPayment
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted
from shared.messaging.consumer import DeadLetters, EventConsumer


def billing_consumers(
    unit_of_work: Callable[[], BillingUnitOfWork], dead_letters: DeadLetters
) -> list[EventConsumer]:
    return [
        EventConsumer(
            name="billing.commands",
            topic=Topic.BILLING_COMMANDS,
            handlers={RetryPayment: commands.retry_payment, CancelSubscription: commands.cancel},
            unit_of_work=unit_of_work,
            dead_letters=dead_letters,
        ),
        EventConsumer(
            name="billing.pause-events",
            topic=Topic.PAUSE_EVENTS,
            handlers={
                PauseScheduled: commands.pause_scheduled,
                PauseStarted: commands.pause_started,
                PauseExtended: commands.pause_extended,
                PauseEnded: commands.pause_ended,
                PauseCanceled: commands.pause_ended,
            },
            unit_of_work=unit_of_work,
            dead_letters=dead_letters,
        ),
    ]
