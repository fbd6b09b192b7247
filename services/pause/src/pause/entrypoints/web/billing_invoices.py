"""The customer's invoices, read from billing with the customer's own portal token.

Billing owns invoices and answers a portal token with that customer's invoices only, so
pause neither copies them nor holds the admin key for them. What billing says is turned
into plain values here; the pages are `portal_invoices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pause.adapters.billing_client import BillingClient
from pause.entrypoints.web.page import N_
from shared.money import Money

UNREACHABLE = N_("We could not reach our billing system. Please try again in a minute.")
EXPIRED = N_("Your session has expired. Please open a new portal link.")


def _problem(status: int | None) -> str | None:
    """What to tell the customer when billing did not give their invoices."""
    if status is None or status >= 500:
        return UNREACHABLE
    return EXPIRED if status in (401, 403) else None


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: Money
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True)
class PortalInvoice:
    id: str
    number: str
    status: str
    context: str
    total: Money
    created_at: datetime
    paid_at: datetime | None
    period_start: datetime
    period_end: datetime
    lines: list[InvoiceLine]
    card: str | None
    """`Visa •••• 4242` for a paid invoice billing knows the card of."""

    @classmethod
    def of(cls, body: dict[str, Any]) -> PortalInvoice:
        card = body.get("paid_with")
        return cls(
            id=str(body["id"]),
            number=str(body["number"]),
            status=str(body["status"]),
            context=str(body.get("context", "subscription")),
            total=Money.model_validate(body["total"]),
            created_at=datetime.fromisoformat(body["created_at"]),
            paid_at=datetime.fromisoformat(body["paid_at"]) if body.get("paid_at") else None,
            period_start=datetime.fromisoformat(body["period_start"]),
            period_end=datetime.fromisoformat(body["period_end"]),
            lines=[
                InvoiceLine(
                    str(line["description"]),
                    Money.model_validate(line["amount"]),
                    datetime.fromisoformat(line["period_start"]),
                    datetime.fromisoformat(line["period_end"]),
                )
                for line in body.get("lines", [])
            ],
            card=f"{str(card['brand']).title()} •••• {card['last4']}" if card else None,
        )


@dataclass(frozen=True)
class Found:
    """Billing's answer: what it found, or the copy to show instead (`problem`)."""

    invoices: list[PortalInvoice]
    problem: str | None = None
    missing: bool = False


class BillingInvoices:
    def __init__(self, billing: BillingClient) -> None:
        self.billing = billing

    async def of_customer(self, customer_id: str, token: str) -> Found:
        reading = await self.billing.read(f"/v1/invoices?customer_id={customer_id}&limit=100", token)
        if reading is None or reading.body is None:
            return Found([], _problem(reading.status if reading else None))
        return Found([PortalInvoice.of(item) for item in reading.body["data"]][::-1])

    async def one(self, invoice_id: str, token: str) -> Found:
        reading = await self.billing.read(f"/v1/invoices/{quote(invoice_id, safe='')}", token)
        if reading is None or reading.body is None:
            problem = _problem(reading.status if reading else None)
            return Found([], problem, missing=problem is None)
        return Found([PortalInvoice.of(reading.body)])

    async def change_locale(self, customer_id: str, token: str, locale: str) -> bool:
        return await self.billing.change_locale(customer_id, token, locale) == 200
