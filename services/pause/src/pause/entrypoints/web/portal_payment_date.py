"""`/portal/payment-date`: a past-due customer picks the day they want to be charged.

The day is theirs to pick on their own calendar (tomorrow to 14 days ahead), so the form
offers exactly those days; dunning still checks every rule and its refusal is shown
beside the field. The choice goes to dunning with the customer's own session, so a
recovery link's session acts on its case only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pause.adapters.recovery_client import DunningRecoveryClient
from pause.entrypoints.web.page import CUSTOMER_ZONE, esc, page
from pause.entrypoints.web.portal_session import BACK, PortalSession, form_of
from pause.service_layer.messages import OpenDunningCase, Principal
from shared.http.portal_auth import COOKIE

TITLE = "Pick a payment date"
NOTHING_DUE = '<p class="card">All settled: there is no payment waiting for a date.</p>' + BACK


def _local_today(now: datetime) -> date:
    return now.astimezone(ZoneInfo(CUSTOMER_ZONE.get())).date()


def _spoken(day: date) -> str:
    return esc(f"{day:%A} {day.day} {day:%B %Y}")


def date_form(now: datetime) -> str:
    today = _local_today(now)
    first, last = today + timedelta(days=1), today + timedelta(days=14)
    return (
        '<form method="post" action="/portal/payment-date" class="card">'
        "<p>Choose the day that suits you, payday for example. We will try your card that day at "
        "09:00 your time, and we will not remind you before then.</p>"
        '<label for="date">Payment date</label>'
        f'<input type="date" id="date" name="date" required min="{first}" max="{last}" value="{first}">'
        f'<p class="muted">Any day from {_spoken(first)} to {_spoken(last)}.</p>'
        '<div class="actions"><button type="submit">Charge me on this day</button></div></form>'
    )


def confirmed_page(day: date) -> Response:
    confirmed = (
        f'<p class="card" role="status">Thanks! We will take the payment on {_spoken(day)} at 09:00 '
        "your time. We will not remind you before then.</p>"
    )
    return page("Payment date set", confirmed + BACK)


def payment_date_routes(router: APIRouter, session: PortalSession, dunning: DunningRecoveryClient) -> None:
    async def case_of(who: Principal) -> str | None:
        if who.recovery_case is not None:
            return who.recovery_case if who.recovery_case != "-" else None
        return await session.bus.handle(OpenDunningCase(str(who.customer_id)))

    @router.get("/payment-date")
    async def payment_date_form(request: Request) -> Response:
        async def show(who: Principal) -> Response:
            if await case_of(who) is None:
                return page(TITLE, NOTHING_DUE)
            return page(TITLE, date_form(session.clock.now()))

        return await session.guarded(request, TITLE, show)

    @router.post("/payment-date")
    async def choose_payment_date(request: Request) -> Response:
        async def act(who: Principal) -> Response:
            case_id = await case_of(who)
            if case_id is None:
                return page(TITLE, NOTHING_DUE)
            day = (await form_of(request)).get("date", "").strip()[:40]
            answer = await dunning.choose_payment_date(case_id, request.cookies[COOKIE], day)
            if answer.payment_date is None:
                form = date_form(session.clock.now())
                return page(TITLE, form, status=400, error=answer.problem or "Please pick another day.")
            return confirmed_page(date.fromisoformat(answer.payment_date))

        return await session.guarded(request, TITLE, act)
