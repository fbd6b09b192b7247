"""What pause consumes: `billing.events` and `dunning.events`, handled by the bus."""

from __future__ import annotations

from pause.service_layer.handlers import Bus
from shared.contracts.base import Topic
from shared.messaging.consumer import DeadLetters, EventConsumer


def pause_consumers(bus: Bus, dead_letters: DeadLetters) -> list[EventConsumer]:
    return [
        EventConsumer(
            name=name,
            topic=topic,
            handlers=bus.event_handlers(topic),
            unit_of_work=bus.unit_of_work,
            dead_letters=dead_letters,
        )
        for name, topic in (
            ("pause.billing-events", Topic.BILLING_EVENTS),
            ("pause.dunning-events", Topic.DUNNING_EVENTS),
        )
    ]
