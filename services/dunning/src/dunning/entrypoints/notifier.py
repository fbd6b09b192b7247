"""The notifier: consumes `notifications` and delivers each message once.

Its inbox lives in dunning's database, keyed by notification id; the delivery itself
is `dunning.service_layer.notifications`. A crash in the instant between the commit and
the send loses that one message rather than risk sending it twice: a reminder that
never came is kinder than the same one twice. Files under `var/mail/` are named by
notification id.
"""

from __future__ import annotations

import uuid
from typing import Any

from dunning.service_layer.notifications import NOTIFIER
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.contracts.base import CloudEvent, Topic
from shared.messaging.consumer import DeadLetters, EventConsumer

NAME = NOTIFIER
NOTIFICATIONS = uuid.UUID("6b0c2f38-5a0e-4f0e-9a57-5d9b1f2a7c11")


def same_notification(event: CloudEvent[Any]) -> uuid.UUID:
    """Two requests for one notification id are one message, whatever their event ids."""
    notification_id = getattr(event.data, "notification_id", None)
    return uuid.uuid5(NOTIFICATIONS, notification_id) if notification_id else event.id


def notifier_consumer(bus: MessageBus[DunningUnitOfWork], dead_letters: DeadLetters) -> EventConsumer:
    return EventConsumer(
        name=NAME,
        topic=Topic.NOTIFICATIONS,
        handlers=bus.event_handlers(Topic.NOTIFICATIONS),
        unit_of_work=bus.unit_of_work,
        dead_letters=dead_letters,
        max_batch=50,
        identify=same_notification,
    )
