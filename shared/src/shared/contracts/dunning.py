"""Facts dunning publishes on `dunning.events`: what happened to a failed payment."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData, Topic
from shared.money import Money


class DeclineClass(StrEnum):
    """How dunning treats a decline code; see DESIGN.md's gentle policy."""

    EXPIRED_CARD = "expired_card"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    SOFT_DECLINE = "soft_decline"
    HARD_DECLINE = "hard_decline"


class CaseOutcome(StrEnum):
    RECOVERED = "recovered"
    PAUSED = "paused"
    CANCELED = "canceled"
    WRITTEN_OFF = "written_off"


class RecoveryMethod(StrEnum):
    """What brought the money back on a case closed `recovered`; a pause is an outcome."""

    CARD_UPDATER = "card_updater"
    SILENT_RETRY = "silent_retry"
    RETRY_AFTER_REMINDER = "retry_after_reminder"
    CUSTOMER_CARD_UPDATE = "customer_card_update"
    CUSTOMER_PAYMENT_DATE = "customer_payment_date"
    BACKUP_CARD = "backup_card"
    PAID_OTHERWISE = "paid_otherwise"


class _DunningEvent(EventData):
    topic: ClassVar[Topic] = Topic.DUNNING_EVENTS
    case_id: str
    subscription_id: str
    customer_id: str
    invoice_id: str


class DunningCaseOpened(_DunningEvent):
    event_type: ClassVar[str] = "dunning.case_opened"
    amount_due: Money
    decline_code: str
    decline_class: DeclineClass
    policy_version: str
    variant: str = Field(description="The experiment variant the case was assigned to.")
    opened_at: AwareDatetime


class DunningRetryScheduled(_DunningEvent):
    event_type: ClassVar[str] = "dunning.retry_scheduled"
    retry_at: AwareDatetime
    retry_number: int = Field(ge=1)
    reason: str = Field(description="Why now: `card_updated`, `payday`, `spaced`, …")


class DunningReminderSent(_DunningEvent):
    event_type: ClassVar[str] = "dunning.reminder_sent"
    reminder_number: int = Field(ge=1)
    template_id: str
    sent_at: AwareDatetime
    amount_due: Money


class DunningCaseClosed(_DunningEvent):
    event_type: ClassVar[str] = "dunning.case_closed"
    outcome: CaseOutcome
    closed_at: AwareDatetime
    reminders_sent: int = Field(ge=0)
    retries: int = Field(ge=0)
    amount_due: Money
    recovered_amount: Money | None = None
    recovery_method: RecoveryMethod | None = Field(
        None, description="What recovered the payment; only on outcome `recovered`."
    )
    last_message_number: int | None = Field(
        None,
        ge=1,
        description="For `retry_after_reminder`: the number of the last message sent before the retry.",
    )


DUNNING_EVENTS: tuple[type[EventData], ...] = (
    DunningCaseOpened,
    DunningRetryScheduled,
    DunningReminderSent,
    DunningCaseClosed,
)
