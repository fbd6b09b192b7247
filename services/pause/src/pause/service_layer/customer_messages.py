"""What pause tells the customer: a pause confirmed, extended, over, or ending soon.

Each is a `notification.requested` written from the shared templates in the
customer's language, with dates on the customer's own calendar (a pause resuming at
midnight UTC is still the day before in New York). The notification id names the
pause, the message and the resume date it speaks of, so running the same step again
never writes it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pause.domain.pause import BeachPause
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.notifications import NotificationRequested
from shared.customers.profiles import CustomerProfile
from shared.mail.writer import MessageWriter
from shared.money import Money
from shared.portal_links import CardUpdateLinks

RESUME_REMINDER_TEMPLATE = "pause.resume_reminder"
"""7 days before a pause ends."""
CONFIRMED_TEMPLATE = "pause.confirmed"
EXTENDED_TEMPLATE = "pause.extended"
RESUMED_TEMPLATE = "pause.resumed"


@dataclass(frozen=True)
class CustomerMail:
    """How pause writes to a customer: the templates, and where their one-click link to the
    portal comes from (none configured, or billing not answering: no button)."""

    writer: MessageWriter = field(default_factory=MessageWriter)
    links: CardUpdateLinks | None = None

    async def link_for(self, customer_id: str) -> str | None:
        """One try: the caller holds a transaction."""
        return (await self.links.link_for(customer_id, tries=1) or None) if self.links else None


def notification_id(pause: BeachPause, template: str) -> str:
    """The reminder keeps the id it always had (`ntf_<pause>_<resume date>`)."""
    if template == RESUME_REMINDER_TEMPLATE:
        return f"ntf_{pause.id}_{pause.resumes_at:%Y%m%d}"
    return f"ntf_{pause.id}_{template.removeprefix('pause.')}_{pause.resumes_at:%Y%m%d}"


def local_day(moment: datetime, customer: CustomerProfile) -> date:
    return moment.astimezone(ZoneInfo(customer.timezone)).date()


async def tell_customer(
    work: PauseUnitOfWork,
    mail: CustomerMail,
    pause: BeachPause,
    template: str,
    now: datetime,
    **facts: Money | date | None,
) -> None:
    """Queue the message in the unit of work's transaction; no profile yet, no message."""
    customer = await work.customers.get(pause.customer_id)
    if customer is None:
        return
    link = await mail.link_for(customer.id)
    written = mail.writer.write(
        template,
        customer.locale,
        customer_name=customer.name,
        action_url=link,
        facts={
            "resumes_on": local_day(pause.resumes_at, customer),
            "starts_on": local_day(pause.starts_at, customer),
            **facts,
        },
    )
    work.emit(
        NotificationRequested(
            notification_id=notification_id(pause, template),
            customer_id=pause.customer_id,
            subscription_id=pause.subscription_id,
            to=customer.email,
            template_id=template,
            subject_line=written.subject,
            body_text=written.text,
            body_html=written.html,
            locale=customer.locale,
            action_url=link,
            requested_at=now,
        )
    )
