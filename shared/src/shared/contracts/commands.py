"""Orders sent to billing on `billing.commands`; billing owns the money, others ask."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData, Topic


class _BillingCommand(EventData):
    topic: ClassVar[Topic] = Topic.BILLING_COMMANDS


class RetryPayment(_BillingCommand):
    """Try the open invoice again, with the customer's current default payment method
    unless `payment_method_id` names another of their cards.

    Billing derives the charge's idempotency key from the command's event id, so a
    redelivered command never charges twice.
    """

    event_type: ClassVar[str] = "payment.retry"
    invoice_id: str
    subscription_id: str
    customer_id: str
    case_id: str | None = None
    reason: str = Field(description="Why now: `card_updated`, `payday`, `spaced`, …")
    requested_at: AwareDatetime
    payment_method_id: str | None = Field(
        None,
        description="Billing's id of the customer's card to charge instead of the default "
        "(a backup card); unknown or someone else's, the default is charged.",
    )


class CancelSubscription(_BillingCommand):
    event_type: ClassVar[str] = "subscription.cancel"
    subscription_id: str
    customer_id: str
    reason: str | None = None
    requested_by: Literal["customer", "dunning", "admin"]
    case_id: str | None = None
    requested_at: AwareDatetime


BILLING_COMMANDS: tuple[type[EventData], ...] = (RetryPayment, CancelSubscription)
