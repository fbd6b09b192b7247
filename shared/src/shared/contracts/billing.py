"""Facts billing publishes on `billing.events`: the system of record for money."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData, Topic
from shared.money import Money


class _BillingEvent(EventData):
    topic: ClassVar[Topic] = Topic.BILLING_EVENTS


class ChargeContext(StrEnum):
    """Why money was asked for. A failed `beach_fee` never opens dunning."""

    SUBSCRIPTION = "subscription"
    BEACH_FEE = "beach_fee"


class CustomerCreated(_BillingEvent):
    event_type: ClassVar[str] = "customer.created"
    customer_id: str
    email: str
    name: str
    timezone: str = Field(description="IANA timezone, for quiet hours and local paydays.")
    created_at: AwareDatetime
    locale: str = Field(
        default="en",
        description="BCP 47 language tag (`en`, `fr`, `de-CH`) that messages and the portal use.",
    )


class CustomerUpdated(CustomerCreated):
    """The customer's profile after a change (their language, for now), whole, so a
    consumer keeps it exactly as it keeps a new customer."""

    event_type: ClassVar[str] = "customer.updated"
    updated_at: AwareDatetime


class PaymentMethodUpdated(_BillingEvent):
    event_type: ClassVar[str] = "payment_method.updated"
    customer_id: str
    payment_method_id: str = Field(description="Our id of the payment method.")
    brand: str
    last4: str = Field(pattern=r"^\d{4}$")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int
    source: Literal["customer", "card_updater", "admin"] = Field(
        description="Who supplied the card: the customer, or the network's account updater."
    )
    gateway_payment_method: str | None = Field(
        None,
        description="The gateway's id of the card (never its number): a new card or the one that failed.",
    )
    is_default: bool = Field(
        True,
        description="False: a backup card kept beside the default, which did not change; dunning "
        "may retry an expired or hard-declined case on it first.",
    )


class PaymentMethodExpiring(_BillingEvent):
    event_type: ClassVar[str] = "payment_method.expiring"
    customer_id: str
    payment_method_id: str
    brand: str
    last4: str = Field(pattern=r"^\d{4}$")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int
    expires_on: date = Field(description="The last day the card is valid.")


class SubscriptionCreated(_BillingEvent):
    event_type: ClassVar[str] = "subscription.created"
    subscription_id: str
    customer_id: str
    plan_code: str
    price: Money
    interval: Literal["month", "year"]
    beach_fee: Money | None = Field(default=None, description="The plan's fee per paused month.")
    status: str
    current_period_start: AwareDatetime
    current_period_end: AwareDatetime
    plan_name: str | None = Field(default=None, description="The plan's name, as customers know it.")


class SubscriptionRenewed(_BillingEvent):
    event_type: ClassVar[str] = "subscription.renewed"
    subscription_id: str
    customer_id: str
    plan_code: str
    invoice_id: str
    current_period_start: AwareDatetime
    current_period_end: AwareDatetime


class SubscriptionPastDue(_BillingEvent):
    event_type: ClassVar[str] = "subscription.past_due"
    subscription_id: str
    customer_id: str
    invoice_id: str
    decline_code: str | None = None


class SubscriptionPaused(_BillingEvent):
    event_type: ClassVar[str] = "subscription.paused"
    subscription_id: str
    customer_id: str
    pause_id: str | None = None
    paused_at: AwareDatetime
    resumes_at: AwareDatetime | None = None


class SubscriptionResumed(_BillingEvent):
    event_type: ClassVar[str] = "subscription.resumed"
    subscription_id: str
    customer_id: str
    pause_id: str | None = None
    current_period_start: AwareDatetime
    current_period_end: AwareDatetime


class SubscriptionCanceled(_BillingEvent):
    event_type: ClassVar[str] = "subscription.canceled"
    subscription_id: str
    customer_id: str
    canceled_at: AwareDatetime
    reason: str | None = None
    requested_by: Literal["customer", "dunning", "admin"] | None = None


class _InvoiceEvent(_BillingEvent):
    invoice_id: str
    number: str = Field(description="Gapless per-year invoice number, e.g. `2026-000042`.")
    subscription_id: str
    customer_id: str
    total: Money
    context: ChargeContext = ChargeContext.SUBSCRIPTION


class InvoiceFinalized(_InvoiceEvent):
    event_type: ClassVar[str] = "invoice.finalized"
    period_start: AwareDatetime
    period_end: AwareDatetime


class InvoicePaid(_InvoiceEvent):
    event_type: ClassVar[str] = "invoice.paid"
    paid_at: AwareDatetime


class InvoiceUncollectible(_InvoiceEvent):
    event_type: ClassVar[str] = "invoice.uncollectible"
    marked_at: AwareDatetime


class _PaymentEvent(_BillingEvent):
    payment_id: str = Field(description="The payment attempt id; also its idempotency key.")
    invoice_id: str
    subscription_id: str
    customer_id: str
    amount: Money
    attempt_number: int = Field(ge=1)
    context: ChargeContext = ChargeContext.SUBSCRIPTION
    attempted_at: AwareDatetime


class PaymentSucceeded(_PaymentEvent):
    event_type: ClassVar[str] = "payment.succeeded"


class PaymentFailed(_PaymentEvent):
    event_type: ClassVar[str] = "payment.failed"
    decline_code: str = Field(
        description="The gateway's decline code: expired_card, insufficient_funds, "
        "card_declined, lost_card, …"
    )
    decline_message: str | None = None
    gateway_payment_method: str | None = Field(
        None, description="The gateway's id of the card that was declined (never its number)."
    )
    backup_payment_method: str | None = Field(
        None,
        description="Billing's id of another card the customer keeps beside the declined default, "
        "if any: dunning's first retry after an expired or hard-declined card goes to it.",
    )


BILLING_EVENTS: tuple[type[EventData], ...] = (
    CustomerCreated,
    CustomerUpdated,
    PaymentMethodUpdated,
    PaymentMethodExpiring,
    SubscriptionCreated,
    SubscriptionRenewed,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionResumed,
    SubscriptionCanceled,
    InvoiceFinalized,
    InvoicePaid,
    InvoiceUncollectible,
    PaymentSucceeded,
    PaymentFailed,
)
