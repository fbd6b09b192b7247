"""Reading invoices: one, or a subscription's, a page at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from billing.domain.invoice import Invoice
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import Query
from shared.errors import DomainError, NotFound

INVOICE_NUMBER = re.compile(r"\d{4}-\d{6,}")


@dataclass(frozen=True)
class InvoicePage:
    invoices: list[Invoice]
    next_cursor: str | None


@dataclass(frozen=True)
class ListInvoices(Query[InvoicePage]):
    """A subscription's invoices by number; `cursor` is the last number of the page before."""

    subscription_id: str
    limit: int
    cursor: str | None = None


@dataclass(frozen=True)
class ShowInvoice(Query[Invoice]):
    invoice_id: str


async def list_invoices(query: ListInvoices, work: BillingUnitOfWork) -> InvoicePage:
    if query.cursor is not None and not INVOICE_NUMBER.fullmatch(query.cursor):
        raise DomainError("cursor", "not a next_cursor from a previous page")
    found = await work.invoices.for_subscription(
        query.subscription_id, after=query.cursor, limit=query.limit + 1
    )
    page = found[: query.limit]
    return InvoicePage(page, page[-1].number if len(found) > query.limit else None)


async def show_invoice(query: ShowInvoice, work: BillingUnitOfWork) -> Invoice:
    invoice = await work.invoices.get(query.invoice_id)
    if invoice is None:
        raise NotFound("invoice_id", f"no invoice {query.invoice_id}")
    return invoice
