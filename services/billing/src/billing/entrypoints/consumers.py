"""What billing consumes: orders on `billing.commands`, and pauses on `pause.events`."""

from __future__ import annotations

from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import MessageBus
from shared.contracts.base import Topic
from shared.messaging.consumer import DeadLetters, EventConsumer


def billing_consumers(bus: MessageBus[BillingUnitOfWork], dead_letters: DeadLetters) -> list[EventConsumer]:
    return [
        EventConsumer(
            name=name,
            topic=topic,
            handlers=bus.event_handlers(topic),
            unit_of_work=bus.unit_of_work,
            dead_letters=dead_letters,
        )
        for name, topic in (
            ("billing.commands", Topic.BILLING_COMMANDS),
            ("billing.pause-events", Topic.PAUSE_EVENTS),
        )
    ]
