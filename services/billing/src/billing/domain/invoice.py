"""Invoices: lines, an exact total, a status, and a gapless number per year.

Finance and tax authorities expect invoice numbers without gaps, so a number is taken
from the year's counter in the same transaction that stores the invoice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.contracts.base import EventData
from shared.contracts.billing import ChargeContext, InvoiceFinalized, InvoicePaid, InvoiceUncollectible
from shared.errors import DomainError, InvalidTransition
from shared.money import Money, sum_money


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    VOID = "void"


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: Money
    period_start: datetime
    period_end: datetime


def invoice_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def new_invoice_id() -> str:
    return f"in_{secrets.token_hex(12)}"


@dataclass(frozen=True)
class CardUsed:
    """What a receipt says of the card that paid: never more than brand and last digits."""

    brand: str
    last4: str


@dataclass
class Invoice:
    id: str
    number: str
    customer_id: str
    subscription_id: str
    currency: str
    lines: list[InvoiceLine]
    status: InvoiceStatus
    context: ChargeContext
    created_at: datetime
    paid_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @property
    def total(self) -> Money:
        """The lines' sum in the invoice's currency. Nearly every invoice has one line,
        whose amount is the total: that line is checked, not summed again (a renewal day
        asks thousands of invoices for their totals, and each sum made new amounts)."""
        if len(self.lines) == 1 and self.lines[0].amount.currency == self.currency:
            return self.lines[0].amount
        return sum_money([line.amount for line in self.lines], self.currency)

    @property
    def period_start(self) -> datetime:
        return min(line.period_start for line in self.lines)

    @property
    def period_end(self) -> datetime:
        return max(line.period_end for line in self.lines)

    @classmethod
    def issue(
        cls,
        *,
        number: str,
        customer_id: str,
        subscription_id: str,
        lines: list[InvoiceLine],
        context: ChargeContext,
        now: datetime,
    ) -> Invoice:
        if not lines:
            raise DomainError("lines", "an invoice needs at least one line")
        currency = lines[0].amount.currency
        invoice = cls(
            id=new_invoice_id(),
            number=number,
            customer_id=customer_id,
            subscription_id=subscription_id,
            currency=currency,
            lines=list(lines),
            status=InvoiceStatus.OPEN,
            context=context,
            created_at=now,
        )
        invoice.total  # noqa: B018 - raises CurrencyMismatch for mixed lines
        invoice.events.append(
            InvoiceFinalized(
                **invoice._fact(), period_start=invoice.period_start, period_end=invoice.period_end
            )
        )
        return invoice

    def _fact(self) -> dict[str, object]:
        return {
            "invoice_id": self.id,
            "number": self.number,
            "subscription_id": self.subscription_id,
            "customer_id": self.customer_id,
            "total": self.total,
            "context": self.context,
        }

    def mark_paid(self, at: datetime) -> None:
        """Money arrived. An invoice written off or voided while its charge was on the way
        is paid all the same (as Stripe does): the record follows the money."""
        if self.status is InvoiceStatus.PAID:
            return
        self.status, self.paid_at = InvoiceStatus.PAID, at
        self.events.append(InvoicePaid(**self._fact(), paid_at=at))

    def mark_uncollectible(self, at: datetime) -> None:
        if self.status is InvoiceStatus.UNCOLLECTIBLE:
            return
        if self.status is not InvoiceStatus.OPEN:
            raise InvalidTransition("invoice", self.status.value, "write off")
        self.status = InvoiceStatus.UNCOLLECTIBLE
        self.events.append(InvoiceUncollectible(**self._fact(), marked_at=at))
