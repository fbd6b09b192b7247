"""The notifier: consumes `notifications` and delivers each message.

It keeps no database of its own: delivery is idempotent by notification id (the file
name, or the SMTP Message-ID a mail server can dedupe on), so its consumer needs no
inbox table.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any
from uuid import UUID

from dunning.adapters.mailer import Mailer
from shared.contracts.base import CloudEvent, Topic
from shared.contracts.notifications import NotificationRequested
from shared.messaging.consumer import DeadLetters, EventConsumer


class Delivery:
    """The consumer's unit of work for messages whose effect is idempotent by itself."""

    async def __aenter__(self) -> Delivery:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def claim(self, consumer: str, event: CloudEvent[Any]) -> bool:
        return True

    async def claim_many(self, consumer: str, events: Sequence[CloudEvent[Any]]) -> set[UUID]:
        return {event.id for event in events}

    async def commit(self) -> None:
        return None


def notifier_consumer(mailer: Mailer, dead_letters: DeadLetters) -> EventConsumer:
    async def deliver(event: CloudEvent[Any], _delivery: Delivery) -> None:
        note: NotificationRequested = event.data
        await mailer.send(note)

    return EventConsumer(
        name="notifier",
        topic=Topic.NOTIFICATIONS,
        handlers={"notification.requested": deliver},
        unit_of_work=Delivery,  # type: ignore[arg-type]
        dead_letters=dead_letters,
        max_batch=50,
    )
