"""`/portal`: the subscriber's pages, acting only for the customer in the session cookie.

A portal link carries its token in the URL; the first visit moves it into an HttpOnly,
SameSite=Lax cookie and redirects, so the token leaves the address bar, the history and
any Referer. Forms POST and redirect; Lax keeps other sites from posting for the customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pause.adapters.billing_wallet import BillingWallet
from pause.adapters.recovery_client import DunningRecoveryClient
from pause.entrypoints.web import portal_forms as forms
from pause.entrypoints.web import portal_pages as pages
from pause.entrypoints.web.billing_cards import UNREACHABLE, BillingCards
from pause.entrypoints.web.billing_invoices import BillingInvoices
from pause.entrypoints.web.card_entry import StripeCardEntry, elements_card_form
from pause.entrypoints.web.page import CUSTOMER_LOCALE, N_, page
from pause.entrypoints.web.portal_account import invoice_routes
from pause.entrypoints.web.portal_cards import card_routes
from pause.entrypoints.web.portal_invoices import Seller
from pause.entrypoints.web.portal_payment_date import payment_date_routes
from pause.entrypoints.web.portal_session import (
    EXPIRED,
    PortalSession,
    back,
    expired_page,
    form_of,
    months_in,
    session_cookie,
    settled_page,
)
from pause.service_layer.handlers import Bus
from pause.service_layer.messages import (
    ConfirmCancel,
    ExtendPause,
    GetPauseOptions,
    GetPortalSummary,
    PauseSubscription,
    Principal,
    RecordCancelIntent,
    ResumeEarly,
)
from shared.clock import Clock
from shared.http.portal_auth import COOKIE
from shared.i18n.locales import catalogue_language
from shared.mail.writer import DEFAULT_BRAND
from shared.portal_tokens import PortalTokenVerifier

RECOVERY_PREFIX = "rt_"
UNAVAILABLE = "We could not open your link just now. Please try it again in a minute."
DONE = {
    "paused": N_("Your break is booked. Enjoy the beach!"),
    "resumed": N_("Welcome back! Your subscription is active again."),
    "extended": N_("Your break is extended."),
    "canceled": N_("Your subscription is canceled. We are sorry to see you go."),
    "card": N_("Thanks, your new card is saved."),
    "language": N_("Thanks, we will write to you in this language from now on."),
}


@dataclass(frozen=True)
class PortalLook:
    """What the settings say of the business: `BRAND_NAME`, `SELLER_NAME`, `SELLER_ADDRESS`."""

    brand: str = DEFAULT_BRAND
    seller_name: str = DEFAULT_BRAND
    seller_address: list[str] = field(default_factory=list)


def portal_router(
    bus: Bus,
    verifier: PortalTokenVerifier | None,
    clock: Clock,
    cards: BillingCards,
    recovery: DunningRecoveryClient,
    card_entry: StripeCardEntry | None = None,
    wallet: BillingWallet | None = None,
    *,
    look: PortalLook | None = None,
    invoices: BillingInvoices | None = None,
) -> APIRouter:
    """`card_entry` set: the card form is Stripe Elements; unset: a test payment method id."""
    router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)
    look = look or PortalLook()
    session = PortalSession(bus, verifier, clock, look.brand)
    _home_routes(router, session, recovery)
    if invoices is not None:
        invoice_routes(router, session, invoices, Seller(look.seller_name, look.seller_address))
    _pause_routes(router, session)
    _cancel_routes(router, session)
    _card_routes(router, session, cards, card_entry)
    payment_date_routes(router, session, recovery)
    if wallet is not None:
        card_routes(router, session, wallet)
    return router


async def _first_visit(
    request: Request, token: str, session: PortalSession, recovery: DunningRecoveryClient
) -> Response:
    """A portal link's session, or a recovery link's token exchanged for one at dunning."""
    if token.startswith(RECOVERY_PREFIX):
        opened = await recovery.open(token)
        if opened.standing == "settled":
            return settled_page()
        if opened.standing == "unavailable":
            return page("Please try again", f'<p class="card">{UNAVAILABLE}</p>', status=503)
        if opened.session_token is None:
            return expired_page()
        token = opened.session_token
    if session.customer(token) is None:
        return expired_page()
    return session_cookie(request, token)


def _home_routes(router: APIRouter, session: PortalSession, recovery: DunningRecoveryClient) -> None:
    @router.get("")
    async def home(request: Request, token: str | None = None, done: str | None = None) -> Response:
        if token is not None:
            return await _first_visit(request, token, session, recovery)

        async def show(who: Principal) -> Response:
            summary = await session.bus.handle(GetPortalSummary(str(who.customer_id)))
            language = catalogue_language(CUSTOMER_LOCALE.get())
            body = pages.home(summary, language, recovering=who.recovery_case is not None)
            return page("Your subscription", body, notice=DONE.get(done or "", ""))

        return await session.guarded(request, "Your subscription", show)


def _pause_routes(router: APIRouter, session: PortalSession) -> None:
    bus = session.bus

    @router.get("/subscriptions/{subscription_id}/pause")
    async def pause_offer(request: Request, subscription_id: str) -> Response:
        async def show(who: Principal) -> Response:
            opts = await bus.handle(GetPauseOptions(subscription_id, who))
            action = f"/portal/subscriptions/{subscription_id}/pause/review"
            return page("Take a break", pages.options(opts, action, N_("How long would you like off?")))

        return await session.guarded(request, "Take a break", show)

    @router.get("/subscriptions/{subscription_id}/pause/review")
    async def pause_review(request: Request, subscription_id: str, months: int = 1) -> Response:
        async def show(who: Principal) -> Response:
            opts = await bus.handle(GetPauseOptions(subscription_id, who))
            if not opts.eligible or months not in [d.months for d in opts.durations]:
                return RedirectResponse(f"/portal/subscriptions/{subscription_id}/pause", status_code=303)
            return page("Check your break", pages.confirm_pause(opts, months))

        return await session.guarded(request, "Take a break", show)

    @router.post("/subscriptions/{subscription_id}/pause")
    async def pause(request: Request, subscription_id: str) -> Response:
        async def act(who: Principal) -> Response:
            await bus.handle(PauseSubscription(subscription_id, await months_in(request), who))
            return back("paused")

        return await session.guarded(request, "Take a break", act)

    @router.post("/pauses/{pause_id}/resume")
    async def resume(request: Request, pause_id: str) -> Response:
        async def act(who: Principal) -> Response:
            await bus.handle(ResumeEarly(pause_id, who))
            return back("resumed")

        return await session.guarded(request, N_("Resume"), act)

    @router.post("/pauses/{pause_id}/extend")
    async def extend(request: Request, pause_id: str) -> Response:
        async def act(who: Principal) -> Response:
            await bus.handle(ExtendPause(pause_id, await months_in(request), who))
            return back("extended")

        return await session.guarded(request, N_("Extend your break"), act)


def _cancel_routes(router: APIRouter, session: PortalSession) -> None:
    bus, title = session.bus, N_("Cancel your subscription")

    @router.get("/subscriptions/{subscription_id}/cancel")
    async def cancel_reason(request: Request, subscription_id: str) -> Response:
        async def show(who: Principal) -> Response:
            await bus.handle(GetPauseOptions(subscription_id, who))  # 404s for someone else's
            return page(title, forms.cancel_reason(subscription_id))

        return await session.guarded(request, title, show)

    @router.post("/subscriptions/{subscription_id}/cancel")
    async def cancel_intent(request: Request, subscription_id: str) -> Response:
        async def act(who: Principal) -> Response:
            form = await form_of(request)
            reason = " — ".join(v for v in (form.get("reason", ""), form.get("details", "").strip()) if v)
            command = RecordCancelIntent(subscription_id, (reason or "no reason given")[:500], who)
            intent, offer = await bus.handle(command)
            return page("Before you go", forms.cancel_offer(intent.id, offer))

        return await session.guarded(request, title, act)

    @router.post("/cancel-intents/{intent_id}/confirm")
    async def confirm_cancel(request: Request, intent_id: str) -> Response:
        async def act(who: Principal) -> Response:
            await bus.handle(ConfirmCancel(intent_id, who))
            return back("canceled")

        return await session.guarded(request, title, act)


def _card_routes(
    router: APIRouter, session: PortalSession, cards: BillingCards, card_entry: StripeCardEntry | None
) -> None:
    def card_form() -> str:
        return elements_card_form(card_entry) if card_entry else forms.card_form()

    @router.get("/card")
    async def card(request: Request) -> Response:
        async def show(_who: Principal) -> Response:
            return page("Update your card", card_form())

        return await session.guarded(request, "Update your card", show)

    @router.post("/card")
    async def save_card(request: Request) -> Response:
        async def act(who: Principal) -> Response:
            method = (await form_of(request)).get("payment_method", "").strip()
            problem = await cards.add_card(str(who.customer_id), request.cookies[COOKIE], method)
            if problem:  # billing not answering is no mistake of the customer's: 503, not 400
                status = 503 if problem == UNREACHABLE else 400
                return page("Update your card", card_form(), status=status, error=problem)
            return back("card")

        return await session.guarded(request, "Update your card", act)

    @router.post("/card/setup")
    async def card_setup(request: Request) -> Response:
        """The client secret Stripe.js needs; called by the card form's own script."""
        customer_id = session.customer(request.cookies.get(COOKIE))
        if customer_id is None:
            return JSONResponse({"error": EXPIRED}, status_code=401)
        secret, problem = await cards.start_card_setup(customer_id, request.cookies[COOKIE])
        if secret is None:
            return JSONResponse({"error": problem}, status_code=502)
        return JSONResponse({"client_secret": secret}, headers={"Cache-Control": "no-store"})
