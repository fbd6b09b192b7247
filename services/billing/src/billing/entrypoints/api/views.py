"""Response shapes. Money is `{"amount", "currency"}` here exactly as in events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from billing.domain.customer import Customer
from billing.domain.invoice import CardUsed, Invoice
from billing.domain.payment_method import PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription
from shared.money import Money


class CustomerOut(BaseModel):
    id: str
    email: str
    name: str
    timezone: str
    locale: str
    created_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(**{k: getattr(customer, k) for k in cls.model_fields})


class PlanOut(BaseModel):
    code: str
    name: str
    price: Money
    interval: str
    beach_fee: Money

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(**{k: getattr(plan, k) for k in cls.model_fields})


class PaymentMethodOut(BaseModel):
    id: str
    customer_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool
    default: bool = Field(description="the same as `is_default`")
    gateway_payment_method: str = Field(description="the gateway's reference (never a card number)")

    @classmethod
    def of(cls, method: PaymentMethod) -> PaymentMethodOut:
        shown = {k: getattr(method, k) for k in cls.model_fields if k != "default"}
        return cls(**shown, default=method.is_default)


class PaymentMethodList(BaseModel):
    data: list[PaymentMethodOut]
    next_cursor: str | None = None


class SubscriptionOut(BaseModel):
    id: str
    customer_id: str
    plan_code: str
    status: str
    price: Money
    interval: str
    current_period_start: datetime
    current_period_end: datetime
    pause_id: str | None
    pause_resumes_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionOut:
        values: dict[str, Any] = {k: getattr(subscription, k) for k in cls.model_fields}
        values["status"] = subscription.status.value
        return cls(**values)


class InvoiceLineOut(BaseModel):
    description: str
    amount: Money
    period_start: datetime
    period_end: datetime


class CardUsedOut(BaseModel):
    brand: str
    last4: str


class InvoiceOut(BaseModel):
    id: str
    number: str
    status: str
    context: str
    customer_id: str
    subscription_id: str
    total: Money
    lines: list[InvoiceLineOut]
    created_at: datetime
    paid_at: datetime | None
    period_start: datetime
    period_end: datetime
    paid_with: CardUsedOut | None = None
    """The card that paid, for the customer's receipt."""

    @classmethod
    def of(cls, invoice: Invoice, card: CardUsed | None = None) -> InvoiceOut:
        return cls(
            id=invoice.id,
            number=invoice.number,
            status=invoice.status.value,
            context=invoice.context.value,
            customer_id=invoice.customer_id,
            subscription_id=invoice.subscription_id,
            total=invoice.total,
            lines=[InvoiceLineOut(**line.__dict__) for line in invoice.lines],
            created_at=invoice.created_at,
            paid_at=invoice.paid_at,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            paid_with=CardUsedOut(brand=card.brand, last4=card.last4) if card else None,
        )
