"""`/dashboard`: finance's view of dunning and pauses, behind the finance key.

The key is typed once into a login form and kept in an HttpOnly, SameSite=Strict cookie
scoped to `/dashboard`, so page scripts and other sites cannot read or send it. It is
compared in constant time (`ApiKeys.role_of`) and never logged. The pause figures come
from pause's own API (`PAUSE_URL`, default http://127.0.0.1:8003): dunning may not read
pause's tables.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dunning.adapters.orm import dunning_cases
from dunning.adapters.report import as_csv, dunning_report
from dunning.entrypoints.api.finance import case_timeline
from dunning.entrypoints.web import curve
from dunning.entrypoints.web import dashboard_pages as sections
from dunning.entrypoints.web.page import esc, login, page
from shared.db.engine import reading
from shared.http.auth import ApiKeys

COOKIE = "finance_session"
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _bounds(start: date | None, end: date | None) -> tuple[datetime, datetime]:
    """`to` is inclusive: a finance period names its last day."""
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else EARLIEST
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else LATEST
    return begin, max(until, begin + timedelta(days=1))


async def _pause_report(key: str, begin: datetime, until: datetime) -> dict[str, Any] | None:
    url = os.environ.get("PAUSE_URL", "http://127.0.0.1:8003").rstrip("/")
    params = {"from": begin.isoformat()} | ({"to": until.isoformat()} if until != LATEST else {})
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            answer = await client.get(
                f"{url}/v1/pause/report", params=params, headers={"Authorization": f"Bearer {key}"}
            )
        return answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def dashboard_router(engine: AsyncEngine, keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)

    def key_of(request: Request) -> str | None:
        key = request.cookies.get(COOKIE)
        return key if keys.role_of(key) == "finance" else None

    @router.get("/login")
    async def login_form() -> Response:
        return login()

    @router.post("/login")
    async def sign_in(request: Request) -> Response:
        key = parse_qs((await request.body()).decode(), max_num_fields=5).get("key", [""])[0]
        if keys.role_of(key) != "finance":
            return login("That key is not the finance key.")
        answer = RedirectResponse("/dashboard", status_code=303)
        secure = request.url.scheme == "https"
        answer.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=secure, path="/dashboard")
        return answer

    @router.post("/logout")
    async def sign_out() -> Response:
        answer = RedirectResponse("/dashboard/login", status_code=303)
        answer.delete_cookie(COOKIE, path="/dashboard")
        return answer

    @router.get("")
    async def dashboard(request: Request) -> Response:
        key = key_of(request)
        if key is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        start, end = _day(request.query_params.get("from")), _day(request.query_params.get("to"))
        begin, until = _bounds(start, end)
        t = dunning_cases
        async with reading(engine) as conn:
            report = await dunning_report(conn, begin, until, "reason")
            query = (
                select(t).where(t.c.opened_at >= begin, t.c.opened_at < until).order_by(t.c.opened_at.desc())
            )
            rows = list((await conn.execute(query)).all())
        pauses = await _pause_report(key, begin, until)
        span = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}
        body = (
            '<form method="get" action="/dashboard" class="filters" aria-label="Period"><label for="from">'
            "From</label>"
            f'<input type="date" id="from" name="from" value="{esc(span.get("from", ""))}">'
            '<label for="to">To</label><input type="date" id="to" name="to" '
            f'value="{esc(span.get("to", ""))}">'
            '<button type="submit">Apply</button>'
            f'<a class="button secondary" href="/dashboard/report.csv?{esc(urlencode(span))}">Download '
            "CSV</a></form>"
            f'<h2 style="margin-top:1rem">Dunning</h2>{sections.kpis(report)}'
            f"<section><h2>Recovery curve by policy variant</h2>{curve.svg(curve.curves(rows))}</section>"
            f"<section><h2>Outcomes by decline reason</h2>{sections.by_reason(report)}</section>"
            f"<h2>Pauses</h2>{sections.pause_figures(pauses)}"
            f"<section><h2>Cases ({len(rows)})</h2>{sections.cases(rows[:200])}</section>"
        )
        return page("Finance dashboard", body)

    @router.get("/report.csv")
    async def report_csv(request: Request) -> Response:
        if key_of(request) is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        q = request.query_params
        begin, until = _bounds(_day(q.get("from")), _day(q.get("to")))
        async with reading(engine) as conn:
            text = as_csv(await dunning_report(conn, begin, until, "reason"))
        disposition = 'attachment; filename="dunning-report-reason.csv"'
        return Response(text, media_type="text/csv", headers={"Content-Disposition": disposition})

    @router.get("/cases/{case_id}")
    async def case(request: Request, case_id: str) -> Response:
        if key_of(request) is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        async with reading(engine) as conn:
            row = (await conn.execute(select(dunning_cases).where(dunning_cases.c.id == case_id))).first()
        if row is None:
            return page("Case not found", '<p><a href="/dashboard">Back to the dashboard</a></p>', status=404)
        head = (
            f'<p class="muted">Customer {esc(row.customer_id)} · subscription {esc(row.subscription_id)} · '
            f"{esc(row.decline_code)} · variant {esc(row.variant)} · {esc(row.outcome or row.status)}</p>"
        )
        body = f"{head}<section><h2>Timeline</h2>{sections.timeline(case_timeline(row))}</section>"
        return page(f"Case {row.id}", body + '<p><a href="/dashboard">Back to the dashboard</a></p>')

    return router
