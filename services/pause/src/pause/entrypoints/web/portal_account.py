"""The portal's account pages: invoices, receipts, and the customer's language.

Billing owns invoices and the customer's language; these routes call it with the
customer's own portal token (`BillingInvoices`), never the admin key.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pause.entrypoints.web import portal_invoices
from pause.entrypoints.web import portal_pages as pages
from pause.entrypoints.web.billing_invoices import UNREACHABLE, BillingInvoices
from pause.entrypoints.web.page import CUSTOMER_LOCALE, N_, page
from pause.entrypoints.web.portal_invoices import Seller
from pause.entrypoints.web.portal_session import PortalSession, back, back_link, form_of
from pause.service_layer.messages import GetPortalSummary, Principal
from shared.errors import DomainError
from shared.http.portal_auth import COOKIE


def invoice_routes(
    router: APIRouter, session: PortalSession, invoices: BillingInvoices, seller: Seller
) -> None:
    @router.get("/invoices")
    async def invoice_list(request: Request) -> Response:
        async def show(who: Principal) -> Response:
            found = await invoices.of_customer(str(who.customer_id), request.cookies[COOKIE])
            return page("Your invoices", portal_invoices.invoice_list(found.invoices, found.problem))

        return await session.guarded(request, "Your invoices", show)

    @router.get("/invoices/{invoice_id}")
    async def receipt(request: Request, invoice_id: str) -> Response:
        async def show(who: Principal) -> Response:
            found = await invoices.one(invoice_id, request.cookies[COOKIE])
            if not found.invoices:
                problem = found.problem or N_("We couldn't find that invoice.")
                return page(
                    "Receipt", portal_invoices.invoice_list([], problem), status=404 if found.missing else 502
                )
            summary = await session.bus.handle(GetPortalSummary(str(who.customer_id)))
            return page("Receipt", portal_invoices.receipt(found.invoices[0], seller, summary.name))

        return await session.guarded(request, "Receipt", show)

    @router.post("/language")
    async def language(request: Request) -> Response:
        """Billing keeps the customer's language; the portal and the emails follow it."""

        async def act(who: Principal) -> Response:
            chosen = (await form_of(request)).get("locale", "")
            if chosen not in pages.LANGUAGES:
                raise DomainError("locale", "choose one of the languages offered")
            if not await invoices.change_locale(str(who.customer_id), request.cookies[COOKIE], chosen):
                return page("Your subscription", back_link(), status=502, error=UNREACHABLE)
            CUSTOMER_LOCALE.set(chosen)
            return back("language")

        return await session.guarded(request, "Your subscription", act)
