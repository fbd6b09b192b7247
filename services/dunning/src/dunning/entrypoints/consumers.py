"""What dunning consumes: `billing.events`, applied by the handlers on dunning's bus."""

from __future__ import annotations

from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.contracts.base import Topic
from shared.messaging.consumer import DeadLetters, EventConsumer


def billing_events_consumer(bus: MessageBus[DunningUnitOfWork], dead_letters: DeadLetters) -> EventConsumer:
    return EventConsumer(
        name="dunning.billing-events",
        topic=Topic.BILLING_EVENTS,
        handlers=bus.event_handlers(Topic.BILLING_EVENTS),
        unit_of_work=bus.unit_of_work,
        dead_letters=dead_letters,
    )
