"""Reading invoices: one, or a subscription's or a customer's, a page at a time.

A portal session reads only its own customer's invoices: `customer_id` on a query is
then the session's, and anything else is "not found", so a token never even confirms
that another customer's invoice exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from billing.domain.invoice import CardUsed, Invoice
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import Query
from shared.errors import DomainError, NotFound

INVOICE_NUMBER = re.compile(r"\d{4}-\d{6,}")


@dataclass(frozen=True)
class InvoicePage:
    invoices: list[Invoice]
    next_cursor: str | None
    cards: dict[str, CardUsed] = field(default_factory=dict)
    """The card that paid each paid invoice, by invoice id."""


@dataclass(frozen=True)
class ListInvoices(Query[InvoicePage]):
    """Invoices by number; `cursor` is the last number of the page before. Exactly one of
    `subscription_id` and `customer_id`; `holder` is the portal session's customer."""

    subscription_id: str | None
    limit: int
    cursor: str | None = None
    customer_id: str | None = None
    holder: str | None = None


@dataclass(frozen=True)
class ShowInvoice(Query[InvoicePage]):
    invoice_id: str
    holder: str | None = None


async def list_invoices(query: ListInvoices, work: BillingUnitOfWork) -> InvoicePage:
    if query.cursor is not None and not INVOICE_NUMBER.fullmatch(query.cursor):
        raise DomainError("cursor", "not a next_cursor from a previous page")
    if (query.subscription_id is None) == (query.customer_id is None):
        raise DomainError("customer_id", "give customer_id or subscription_id, not both")
    after, limit = query.cursor, query.limit + 1
    if query.customer_id is not None:
        if query.holder not in (None, query.customer_id):
            raise NotFound("customer_id", f"no customer {query.customer_id}")
        found = await work.invoices.for_customer(query.customer_id, after=after, limit=limit)
    else:
        subscription_id = str(query.subscription_id)
        found = await work.invoices.for_subscription(subscription_id, after=after, limit=limit)
        if query.holder is not None and any(i.customer_id != query.holder for i in found):
            raise NotFound("subscription_id", f"no subscription {subscription_id}")
    page = found[: query.limit]
    cards = await work.invoices.cards_that_paid([i.id for i in page if i.paid_at is not None])
    return InvoicePage(page, page[-1].number if len(found) > query.limit else None, cards)


async def show_invoice(query: ShowInvoice, work: BillingUnitOfWork) -> InvoicePage:
    invoice = await work.invoices.get(query.invoice_id)
    if invoice is None or query.holder not in (None, invoice.customer_id):
        raise NotFound("invoice_id", f"no invoice {query.invoice_id}")
    return InvoicePage([invoice], None, await work.invoices.cards_that_paid([invoice.id]))
