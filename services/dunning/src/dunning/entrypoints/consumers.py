"""What dunning consumes: `billing.events`, applied by the handlers on dunning's bus."""

from __future__ import annotations

from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.contracts.base import Topic
from shared.messaging.consumer import DeadLetters, EventConsumer

MAX_BATCH = 1000
"""Messages applied in one transaction. A burst of failed payments (a renewal day's
declines) is applied in batches of this many: each batch costs the same dozen round
trips to the database and one offset commit, whatever its size, and every statement in
it takes all the batch's rows at once. A steady trickle still goes out in small batches,
as it arrives."""


def billing_events_consumer(bus: MessageBus[DunningUnitOfWork], dead_letters: DeadLetters) -> EventConsumer:
    return EventConsumer(
        name="dunning.billing-events",
        topic=Topic.BILLING_EVENTS,
        handlers=bus.event_handlers(Topic.BILLING_EVENTS),
        unit_of_work=bus.unit_of_work,
        dead_letters=dead_letters,
        max_batch=MAX_BATCH,
    )
