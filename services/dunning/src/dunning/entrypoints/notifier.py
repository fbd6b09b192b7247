"""The notifier: consumes `notifications` and delivers each message once.

Its inbox lives in dunning's database, keyed by notification id. A message is claimed in
a transaction and sent once that transaction has committed, so a redelivery, a
rebalance, a replica or a second request for the same notification never sends it
again; if the mail server refuses the connection, the claim is given back and the
message comes again later. (A crash in the instant between the commit and the send
loses that one message rather than risk sending it twice: a reminder that never came is
kinder than the same one twice.) Files under `var/mail/` are named by notification id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from dunning.adapters.mailer import Mailer, MailServerUnavailable
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.base import CloudEvent, Topic
from shared.contracts.notifications import NotificationRequested
from shared.messaging.consumer import DeadLetters, EventConsumer

NAME = "notifier"
NOTIFICATIONS = uuid.UUID("6b0c2f38-5a0e-4f0e-9a57-5d9b1f2a7c11")


def same_notification(event: CloudEvent[Any]) -> uuid.UUID:
    """Two requests for one notification id are one message, whatever their event ids."""
    notification_id = getattr(event.data, "notification_id", None)
    return uuid.uuid5(NOTIFICATIONS, notification_id) if notification_id else event.id


def notifier_consumer(
    mailer: Mailer, dead_letters: DeadLetters, unit_of_work: Callable[[], DunningUnitOfWork]
) -> EventConsumer:
    async def deliver(event: CloudEvent[Any], work: DunningUnitOfWork) -> None:
        note: NotificationRequested = event.data

        async def send() -> None:
            try:
                await mailer.send(note)
            except MailServerUnavailable:
                async with unit_of_work() as again:
                    await again.unclaim(NAME, event)
                    await again.commit()
                raise

        work.after_commit(send)

    return EventConsumer(
        name=NAME,
        topic=Topic.NOTIFICATIONS,
        handlers={NotificationRequested: deliver},
        unit_of_work=unit_of_work,
        dead_letters=dead_letters,
        max_batch=50,
        identify=same_notification,
    )
