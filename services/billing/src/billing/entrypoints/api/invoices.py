"""`/v1/invoices`: for the admin key, and for a portal session its own customer's only.

The portal lists a customer's invoices and prints receipts from them, so these routes
take the customer's portal token as well as the admin key; the service layer answers
"not found" for anything that is not the token holder's.
"""

# No `from __future__ import annotations` here: FastAPI reads the routes' annotations,
# and `Holder` is local to the router it guards.
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import InvoiceOut
from billing.service_layer.invoice_queries import InvoicePage, ListInvoices, ShowInvoice
from shared.http.openapi import errors
from shared.http.portal_auth import admin_or_portal


class InvoiceList(BaseModel):
    data: list[InvoiceOut]
    next_cursor: str | None


Cursor = Annotated[str | None, Query(max_length=20, description="`next_cursor` of the previous page")]
Id = Annotated[str | None, Query(min_length=1, max_length=40)]


def _outs(page: InvoicePage) -> list[InvoiceOut]:
    return [InvoiceOut.of(invoice, page.cards.get(invoice.id)) for invoice in page.invoices]


def invoices_router(ctx: ApiContext) -> APIRouter:
    # The portal session's customer, or None for the admin key (401/403 otherwise); it
    # also documents both credentials in OpenAPI.
    Holder = Annotated[str | None, Depends(admin_or_portal(ctx.keys, ctx.verifier, ctx.clock))]
    router = APIRouter(tags=["invoices"])

    @router.get("/v1/invoices", responses=errors(404))
    async def list_invoices(
        who: Holder,
        subscription_id: Id = None,
        customer_id: Id = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Cursor = None,
    ) -> InvoiceList:
        """`customer_id=` or `subscription_id=`; a portal token may name only its own customer."""
        query = ListInvoices(subscription_id, limit, cursor, customer_id=customer_id, holder=who)
        page = await ctx.bus.handle(query)
        return InvoiceList(data=_outs(page), next_cursor=page.next_cursor)

    @router.get("/v1/invoices/{invoice_id}")
    async def get_invoice(who: Holder, invoice_id: str) -> InvoiceOut:
        return _outs(await ctx.bus.handle(ShowInvoice(invoice_id, who)))[0]

    return router
