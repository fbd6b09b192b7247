"""Who a portal request acts for, and the page it gets when the domain refuses.

Every portal page but the link's first visit acts for the customer in the session
cookie; without a valid one it is a 401 page. A refusal (`DomainError`) is shown on the
portal's own error page rather than as the API's JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from pause.entrypoints.web.page import BRAND, CUSTOMER_LOCALE, CUSTOMER_ZONE, N_, page, t
from pause.entrypoints.web.portal_refusals import REFUSALS
from pause.service_layer.handlers import Bus
from pause.service_layer.messages import CustomerLocale, CustomerTimezone, Principal
from shared.clock import Clock
from shared.errors import DomainError
from shared.http.errors import api_error_of
from shared.http.portal_auth import COOKIE
from shared.portal_tokens import InvalidPortalToken, PortalClaims, PortalTokenVerifier

EXPIRED = N_("This portal link has expired or is not valid. Please ask for a new link.")
SETTLED = (
    "All settled: this payment is taken care of and there is nothing more to do. "
    "To manage your subscription, sign in again with a new portal link."
)
BACK = '<p><a class="button secondary" href="/portal">Back to your subscription</a></p>'


def refusal_copy(exc: DomainError) -> str:
    """A refusal the portal has words for reads in the customer's language (`page`
    translates it); any other reads as the domain wrote it."""
    copy = REFUSALS.get(getattr(exc, "reason", "") or "")
    return copy if copy and "%(" not in copy else str(exc)


def back_link() -> str:
    return f'<p><a class="button secondary" href="/portal">{t("Back to your subscription")}</a></p>'


async def form_of(request: Request) -> dict[str, str]:
    """Plain urlencoded forms; no multipart parser is needed for these few fields."""
    try:
        fields = parse_qs((await request.body()).decode(errors="replace"), max_num_fields=10)
    except ValueError:  # more fields than any of our forms has: a page saying so, not a 500
        raise DomainError("form", "this form has more fields than it should") from None
    return {key: values[0] for key, values in fields.items()}


async def months_in(request: Request) -> int:
    """The form's whole number of months; anything else is the customer's to fix."""
    raw = (await form_of(request)).get("months", "").strip()
    if not raw.isdigit() or len(raw) > 3:
        raise DomainError("months", "choose how many months, as a whole number")
    return int(raw)


def back(done: str) -> RedirectResponse:
    return RedirectResponse(f"/portal?done={done}", status_code=303)


def expired_page() -> Response:
    return page(
        "Please open a new link",
        f'<p class="card">{t(EXPIRED)} {t("The email we sent you has a button that opens a fresh one.")}</p>',
        status=401,
    )


def settled_page() -> Response:
    """A recovery link whose case closed: good news, not an error."""
    sign_in = '<p><a class="button" href="/portal">Sign in again</a></p>'
    return page("All settled", f'<p class="card">{SETTLED}</p>{sign_in}')


def session_cookie(request: Request, token: str) -> RedirectResponse:
    """The token moves into an HttpOnly cookie and leaves the address bar."""
    answer = RedirectResponse("/portal", status_code=303)
    secure = request.url.scheme == "https"
    answer.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
    return answer


class PortalSession:
    def __init__(
        self, bus: Bus, verifier: PortalTokenVerifier | None, clock: Clock, brand: str = "Your subscription"
    ) -> None:
        self.bus, self.verifier, self.clock, self.brand = bus, verifier, clock, brand

    def customer(self, token: str | None) -> str | None:
        claims = self.claims(token)
        return None if claims is None else claims.customer_id

    def claims(self, token: str | None) -> PortalClaims | None:
        if token is None or self.verifier is None:
            return None
        try:
            return self.verifier.claims_of(token, self.clock.now())
        except InvalidPortalToken:
            return None

    async def guarded(
        self, request: Request, title: str, work: Callable[[Principal], Awaitable[Response]]
    ) -> Response:
        BRAND.set(self.brand)
        claims = self.claims(request.cookies.get(COOKIE))
        if claims is None:
            return expired_page()
        CUSTOMER_ZONE.set(await self.bus.handle(CustomerTimezone(claims.customer_id)))
        CUSTOMER_LOCALE.set(await self.bus.handle(CustomerLocale(claims.customer_id)))
        try:
            return await work(Principal(claims.customer_id, recovery_case=claims.recovery_case))
        except DomainError as exc:  # the same status the API gives: 404, 409, or 422 for bad input
            return page(title, back_link(), status=api_error_of(exc).status, error=refusal_copy(exc))
