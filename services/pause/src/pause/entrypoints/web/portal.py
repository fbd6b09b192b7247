"""`/portal`: the subscriber's pages, acting only for the customer in the session cookie.

A portal link carries its token in the URL; the first visit moves it into an HttpOnly,
SameSite=Lax cookie and redirects, so the token leaves the address bar, the history and
any Referer. Forms POST and redirect; Lax keeps other sites from posting for the customer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pause.domain.policy import PausePolicies
from pause.entrypoints.web import portal_forms as forms
from pause.entrypoints.web import portal_pages as pages
from pause.entrypoints.web.billing_cards import add_card, start_card_setup
from pause.entrypoints.web.card_entry import StripeCardEntry, elements_card_form
from pause.entrypoints.web.page import CUSTOMER_ZONE, page
from pause.service_layer import pausing
from pause.service_layer.pausing import Principal
from pause.service_layer.portal_summary import portal_summary
from pause.service_layer.unit_of_work import UnitOfWorkFactory
from shared.clock import Clock
from shared.errors import DomainError
from shared.http.portal_auth import COOKIE
from shared.portal_tokens import InvalidPortalToken, PortalTokenVerifier

DONE = {
    "paused": "Your break is booked. Enjoy the beach!",
    "resumed": "Welcome back! Your subscription is active again.",
    "extended": "Your break is extended.",
    "canceled": "Your subscription is canceled. We are sorry to see you go.",
    "card": "Thanks, your new card is saved.",
}
EXPIRED = "This portal link has expired or is not valid. Please ask for a new link."


async def _form(request: Request) -> dict[str, str]:
    """Plain urlencoded forms; no multipart parser is needed for these few fields."""
    fields = parse_qs((await request.body()).decode(), max_num_fields=10)
    return {key: values[0] for key, values in fields.items()}


def portal_router(
    uow: UnitOfWorkFactory,
    policies: PausePolicies,
    verifier: PortalTokenVerifier | None,
    clock: Clock,
    card_entry: StripeCardEntry | None = None,
) -> APIRouter:
    """`card_entry` set: the card form is Stripe Elements; unset: a test payment method id."""
    router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

    def card_form() -> str:
        return elements_card_form(card_entry) if card_entry else forms.card_form()

    def customer(token: str | None) -> str | None:
        if token is None or verifier is None:
            return None
        try:
            return verifier.customer_of(token, clock.now())
        except InvalidPortalToken:
            return None

    async def guarded(
        request: Request, title: str, work: Callable[[Principal], Awaitable[Response]]
    ) -> Response:
        customer_id = customer(request.cookies.get(COOKIE))
        if customer_id is None:
            return page("Please open a new link", f'<p class="card">{EXPIRED}</p>', status=401)
        async with uow().read_only() as unit:
            profile = await unit.customers.get(customer_id)
        CUSTOMER_ZONE.set(profile.timezone if profile else "UTC")
        try:
            return await work(Principal(customer_id=customer_id))
        except DomainError as exc:
            body = '<p><a class="button secondary" href="/portal">Back to your subscription</a></p>'
            return page(title, body, status=409, error=str(exc))

    def back(done: str) -> RedirectResponse:
        return RedirectResponse(f"/portal?done={done}", status_code=303)

    @router.get("")
    async def home(request: Request, token: str | None = None, done: str | None = None) -> Response:
        if token is not None:
            if customer(token) is None:
                return page("Please open a new link", f'<p class="card">{EXPIRED}</p>', status=401)
            answer = RedirectResponse("/portal", status_code=303)
            secure = request.url.scheme == "https"
            answer.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
            return answer

        async def show(who: Principal) -> Response:
            summary = await portal_summary(str(who.customer_id), uow, policies)
            return page("Your subscription", pages.home(summary), notice=DONE.get(done or "", ""))

        return await guarded(request, "Your subscription", show)

    @router.get("/subscriptions/{subscription_id}/pause")
    async def pause_offer(request: Request, subscription_id: str) -> Response:
        async def show(who: Principal) -> Response:
            opts = await pausing.pause_options(subscription_id, who, uow, policies)
            action = f"/portal/subscriptions/{subscription_id}/pause/review"
            return page("Take a break", pages.options(opts, action, "How long would you like off?"))

        return await guarded(request, "Take a break", show)

    @router.get("/subscriptions/{subscription_id}/pause/review")
    async def pause_review(request: Request, subscription_id: str, months: int = 1) -> Response:
        async def show(who: Principal) -> Response:
            opts = await pausing.pause_options(subscription_id, who, uow, policies)
            if not opts.eligible or months not in [d.months for d in opts.durations]:
                return RedirectResponse(f"/portal/subscriptions/{subscription_id}/pause", status_code=303)
            return page("Check your break", pages.confirm_pause(opts, months))

        return await guarded(request, "Take a break", show)

    @router.post("/subscriptions/{subscription_id}/pause")
    async def pause(request: Request, subscription_id: str) -> Response:
        async def act(who: Principal) -> Response:
            months = int((await _form(request)).get("months", "0") or 0)
            await pausing.pause_subscription(subscription_id, months, who, uow, policies)
            return back("paused")

        return await guarded(request, "Take a break", act)

    @router.post("/pauses/{pause_id}/resume")
    async def resume(request: Request, pause_id: str) -> Response:
        async def act(who: Principal) -> Response:
            await pausing.resume_early(pause_id, who, uow)
            return back("resumed")

        return await guarded(request, "Resume", act)

    @router.post("/pauses/{pause_id}/extend")
    async def extend(request: Request, pause_id: str) -> Response:
        async def act(who: Principal) -> Response:
            months = int((await _form(request)).get("months", "0") or 0)
            await pausing.extend_pause(pause_id, months, who, uow, policies)
            return back("extended")

        return await guarded(request, "Extend your break", act)

    @router.get("/subscriptions/{subscription_id}/cancel")
    async def cancel_reason(request: Request, subscription_id: str) -> Response:
        async def show(who: Principal) -> Response:
            await pausing.pause_options(subscription_id, who, uow, policies)  # 404s for someone else's
            return page("Cancel your subscription", forms.cancel_reason(subscription_id))

        return await guarded(request, "Cancel your subscription", show)

    @router.post("/subscriptions/{subscription_id}/cancel")
    async def cancel_intent(request: Request, subscription_id: str) -> Response:
        async def act(who: Principal) -> Response:
            form = await _form(request)
            reason = " — ".join(v for v in (form.get("reason", ""), form.get("details", "").strip()) if v)
            intent, offer = await pausing.record_cancel_intent(
                subscription_id, (reason or "no reason given")[:500], who, uow, policies
            )
            return page("Before you go", forms.cancel_offer(intent.id, offer))

        return await guarded(request, "Cancel your subscription", act)

    @router.post("/cancel-intents/{intent_id}/confirm")
    async def confirm_cancel(request: Request, intent_id: str) -> Response:
        async def act(who: Principal) -> Response:
            await pausing.confirm_cancel(intent_id, who, uow)
            return back("canceled")

        return await guarded(request, "Cancel your subscription", act)

    @router.get("/card")
    async def card(request: Request) -> Response:
        async def show(_who: Principal) -> Response:
            return page("Update your card", card_form())

        return await guarded(request, "Update your card", show)

    @router.post("/card")
    async def save_card(request: Request) -> Response:
        async def act(who: Principal) -> Response:
            method = (await _form(request)).get("payment_method", "").strip()
            problem = await add_card(str(who.customer_id), request.cookies[COOKIE], method)
            if problem:
                return page("Update your card", card_form(), status=400, error=problem)
            return back("card")

        return await guarded(request, "Update your card", act)

    @router.post("/card/setup")
    async def card_setup(request: Request) -> Response:
        """The client secret Stripe.js needs; called by the card form's own script."""
        customer_id = customer(request.cookies.get(COOKIE))
        if customer_id is None:
            return JSONResponse({"error": EXPIRED}, status_code=401)
        secret, problem = await start_card_setup(customer_id, request.cookies[COOKIE])
        if secret is None:
            return JSONResponse({"error": problem}, status_code=502)
        return JSONResponse({"client_secret": secret}, headers={"Cache-Control": "no-store"})

    return router
