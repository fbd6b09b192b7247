"""What billing consumes: orders on `billing.commands`, and pauses on `pause.events`."""

from __future__ import annotations

from collections.abc import Callable

from billing.service_layer import commands
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.base import Topic
from shared.messaging.consumer import DeadLetters, EventConsumer


def billing_consumers(
    unit_of_work: Callable[[], BillingUnitOfWork], dead_letters: DeadLetters
) -> list[EventConsumer]:
    return [
        EventConsumer(
            name="billing.commands",
            topic=Topic.BILLING_COMMANDS,
            handlers={"payment.retry": commands.retry_payment, "subscription.cancel": commands.cancel},
            unit_of_work=unit_of_work,
            dead_letters=dead_letters,
        ),
        EventConsumer(
            name="billing.pause-events",
            topic=Topic.PAUSE_EVENTS,
            handlers={
                "pause.scheduled": commands.pause_scheduled,
                "pause.started": commands.pause_started,
                "pause.extended": commands.pause_extended,
                "pause.ended": commands.pause_ended,
                "pause.canceled": commands.pause_ended,
            },
            unit_of_work=unit_of_work,
            dead_letters=dead_letters,
        ),
    ]
