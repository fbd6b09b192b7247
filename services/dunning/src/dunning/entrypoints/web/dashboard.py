"""`/dashboard`: finance's view of dunning and pauses, behind the finance key.

The key is typed once into a login form and kept in an HttpOnly, SameSite=Strict cookie
scoped to `/dashboard`, so page scripts and other sites cannot read or send it. It is
compared in constant time (`ApiKeys.role_of`) and never logged. The pause figures come
from pause's own API (`PauseClient`, at `PAUSE_URL`): dunning may not read pause's tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dunning.adapters.case_queries import FinanceQueries
from dunning.adapters.pause_client import PauseClient
from dunning.adapters.report import as_csv
from dunning.entrypoints.web import dashboard_pages as sections
from dunning.entrypoints.web.page import login, page
from shared.http.auth import ApiKeys
from shared.http.report_period import BEGINNING, END_OF_TIME, ReportPeriod

COOKIE = "finance_session"
BACK = '<p><a href="/dashboard">Back to the dashboard</a></p>'


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _period(start: date | None, end: date | None) -> ReportPeriod:
    """`to` is inclusive: a finance period names its last day. A page never refuses a
    period: an empty or reversed one shows the one day from `from`."""
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else BEGINNING
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else END_OF_TIME
    return ReportPeriod(begin, max(until, begin + timedelta(days=1)))


def _to_login() -> Response:
    return RedirectResponse("/dashboard/login", status_code=303)


class FinanceDashboard:
    """The dashboard's routes; the finance key in the cookie is also what pause is asked with."""

    def __init__(self, queries: FinanceQueries, pauses: PauseClient, keys: ApiKeys) -> None:
        self.queries, self.pauses, self.keys = queries, pauses, keys

    def key_of(self, request: Request) -> str | None:
        key = request.cookies.get(COOKIE)
        return key if self.keys.role_of(key) == "finance" else None

    async def login_form(self) -> Response:
        return login()

    async def sign_in(self, request: Request) -> Response:
        key = parse_qs((await request.body()).decode(), max_num_fields=5).get("key", [""])[0]
        if self.keys.role_of(key) != "finance":
            return login("That key is not the finance key.")
        answer = RedirectResponse("/dashboard", status_code=303)
        secure = request.url.scheme == "https"
        answer.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=secure, path="/dashboard")
        return answer

    async def sign_out(self) -> Response:
        answer = RedirectResponse("/dashboard/login", status_code=303)
        answer.delete_cookie(COOKIE, path="/dashboard")
        return answer

    async def dashboard(self, request: Request) -> Response:
        key = self.key_of(request)
        if key is None:
            return _to_login()
        start, end = _day(request.query_params.get("from")), _day(request.query_params.get("to"))
        period = _period(start, end)
        figures = await self.queries.overview(period)
        pauses = await self.pauses.report(key, period)
        span = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}
        return page("Finance dashboard", sections.overview(span, figures, pauses))

    async def report_csv(self, request: Request) -> Response:
        if self.key_of(request) is None:
            return _to_login()
        q = request.query_params
        text = as_csv(await self.queries.report(_period(_day(q.get("from")), _day(q.get("to"))), "reason"))
        disposition = 'attachment; filename="dunning-report-reason.csv"'
        return Response(text, media_type="text/csv", headers={"Content-Disposition": disposition})

    async def case(self, request: Request, case_id: str) -> Response:
        if self.key_of(request) is None:
            return _to_login()
        case = await self.queries.case_detail(case_id)
        if case is None:
            return page("Case not found", BACK, status=404)
        return page(f"Case {case.id}", sections.case_page(case) + BACK)


def dashboard_router(queries: FinanceQueries, pauses: PauseClient, keys: ApiKeys) -> APIRouter:
    board = FinanceDashboard(queries, pauses, keys)
    router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)
    router.add_api_route("/login", board.login_form, methods=["GET"])
    router.add_api_route("/login", board.sign_in, methods=["POST"])
    router.add_api_route("/logout", board.sign_out, methods=["POST"])
    router.add_api_route("", board.dashboard, methods=["GET"])
    router.add_api_route("/report.csv", board.report_csv, methods=["GET"])
    router.add_api_route("/cases/{case_id}", board.case, methods=["GET"])
    return router
