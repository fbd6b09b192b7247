"""`/portal/cards`: the customer's cards; add one, make one the default, remove one.

A backup card lets dunning try it first, silently, when the default expires or is lost.
Billing decides every rule (never the last card of a live subscription) and its words
are shown to the customer as they are.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pause.adapters.billing_wallet import BillingWallet, WalletAnswer, WalletCard
from pause.entrypoints.web.page import esc, page
from pause.entrypoints.web.portal_session import BACK, PortalSession, form_of
from pause.service_layer.messages import Principal
from shared.http.portal_auth import COOKIE

TITLE = "Your cards"
UNREACHABLE = "We could not reach our payment system. Please try again in a minute."
DONE = {
    "added": "Your card is saved.",
    "default": "That card is your default now.",
    "removed": "Card removed.",
}


def _card(card: WalletCard) -> str:
    expiry = f"{card.exp_month:02d}/{card.exp_year}"
    what = f"{esc(card.brand.title())} ending ••••{esc(card.last4)}, expires {expiry}"
    base = f"/portal/cards/{esc(card.id)}"
    promote = (
        f'<form method="post" action="{base}/default">'
        '<button type="submit" class="secondary">Make default</button></form>'
    )
    badge = ' <span class="badge">Default</span>' if card.default else ""
    return (
        f'<li class="card" aria-label="{what}"><p>{what}{badge}</p><div class="actions">'
        + ("" if card.default else promote)
        + f'<form method="post" action="{base}/remove">'
        '<button type="submit" class="danger">Remove</button></form></div></li>'
    )


def wallet(cards: list[WalletCard]) -> str:
    listed = "".join(_card(card) for card in cards) or '<li class="card">No card on file yet.</li>'
    return (
        f'<ul style="list-style:none;padding:0">{listed}</ul>'
        '<form method="post" action="/portal/cards" class="card"><h2>Add a card</h2>'
        '<label for="payment_method">Card (payment method id from the payment form)</label>'
        '<input type="text" id="payment_method" name="payment_method" required minlength="3" maxlength="100" '
        'autocomplete="off" placeholder="pm_card_visa">'
        '<label class="choice"><input type="checkbox" name="backup" value="yes" checked>'
        "<span>Keep it as a backup, tried if my default card fails</span></label>"
        '<div class="actions"><button type="submit">Add card</button></div></form>' + BACK
    )


def card_routes(router: APIRouter, session: PortalSession, billing: BillingWallet) -> None:
    async def shown(who: Principal, request: Request, answer: WalletAnswer | None = None) -> Response:
        cards = await billing.cards(str(who.customer_id), request.cookies[COOKIE])
        if cards is None:
            return page(TITLE, BACK, status=503, error=UNREACHABLE)
        status, error = (answer.status, answer.message or UNREACHABLE) if answer else (200, "")
        notice = DONE.get(request.query_params.get("done", ""), "")
        return page(TITLE, wallet(cards), status=status, error=error, notice=notice)

    def after(answer: WalletAnswer, done: str) -> Response | None:
        return (
            RedirectResponse(f"/portal/cards?done={done}", status_code=303) if answer.status < 400 else None
        )

    @router.get("/cards")
    async def cards_page(request: Request) -> Response:
        return await session.guarded(request, TITLE, lambda who: shown(who, request))

    @router.post("/cards")
    async def add_card(request: Request) -> Response:
        async def act(who: Principal) -> Response:
            form = await form_of(request)
            method, backup = form.get("payment_method", "").strip(), form.get("backup") == "yes"
            answer = await billing.add(
                str(who.customer_id), request.cookies[COOKIE], method, default=not backup
            )
            return after(answer, "added") or await shown(who, request, answer)

        return await session.guarded(request, TITLE, act)

    @router.post("/cards/{card_id}/default")
    async def make_default(request: Request, card_id: str) -> Response:
        async def act(who: Principal) -> Response:
            answer = await billing.make_default(str(who.customer_id), request.cookies[COOKIE], card_id)
            return after(answer, "default") or await shown(who, request, answer)

        return await session.guarded(request, TITLE, act)

    @router.post("/cards/{card_id}/remove")
    async def remove(request: Request, card_id: str) -> Response:
        async def act(who: Principal) -> Response:
            answer = await billing.remove(str(who.customer_id), request.cookies[COOKIE], card_id)
            return after(answer, "removed") or await shown(who, request, answer)

        return await session.guarded(request, TITLE, act)
