"""Messages to customers, on `notifications`; the notifier only delivers them."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData, Topic
from shared.money import Money


class NotificationRequested(EventData):
    """A fully written message, so the notifier needs no database of its own."""

    event_type: ClassVar[str] = "notification.requested"
    topic: ClassVar[Topic] = Topic.NOTIFICATIONS
    notification_id: str
    customer_id: str
    subscription_id: str | None = None
    channel: Literal["email"] = "email"
    to: str = Field(description="The recipient's email address.")
    template_id: str
    subject_line: str
    body_text: str
    body_html: str | None = Field(
        default=None,
        description="The same message as HTML (inline styles, no scripts, no remote images), "
        "sent as the alternative part of a multipart email.",
    )
    locale: str = Field(default="en", description="The BCP 47 language tag the message is written in.")
    action_url: str | None = Field(default=None, description="e.g. the card-update link.")
    amount_due: Money | None = None
    requested_at: AwareDatetime


NOTIFICATIONS: tuple[type[EventData], ...] = (NotificationRequested,)
