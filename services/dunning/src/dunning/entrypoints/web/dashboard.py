"""`/dashboard`: finance's view of dunning and pauses, behind the finance key.

The key is typed once into a login form; the browser then holds only a signed session
that expires (`FinanceSessions`, `DASHBOARD_SESSION_HOURS`), in an HttpOnly,
SameSite=Strict cookie scoped to `/dashboard` (Secure outside development), so page
scripts and other sites cannot read or send it. The key is compared in constant time
(`ApiKeys.role_of`) and never logged. The pause figures come from pause's own API
(`PauseClient`, at `PAUSE_URL`), asked with the configured finance key: dunning may not
read pause's tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dunning.adapters.case_queries import FinanceQueries
from dunning.adapters.pause_client import PauseClient
from dunning.adapters.report_csv import as_csv
from dunning.entrypoints.web import dashboard_pages as sections
from dunning.entrypoints.web.finance_session import COOKIE, FinanceSessions
from dunning.entrypoints.web.page import esc, login, page
from shared.errors import DomainError
from shared.http.auth import ApiKeys
from shared.http.report_period import BEGINNING, END_OF_TIME, ReportPeriod

BACK = '<p><a href="/dashboard">Back to the dashboard</a></p>'


@dataclass(frozen=True)
class DashboardAccess:
    """Who may sign in (the finance key), the sessions they get, and how cookies are sent."""

    keys: ApiKeys
    sessions: FinanceSessions
    finance_key: str
    secure_cookies: bool


def _day(query: Mapping[str, str], name: str) -> date | None:
    """A date finance typed; a wrong one is named on the page, never quietly dropped
    (the page would show every case while saying nothing)."""
    text = query.get(name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise DomainError(name, "give a date as YYYY-MM-DD, e.g. 2026-01-31") from None


def _period(start: date | None, end: date | None) -> ReportPeriod:
    """`to` is inclusive: a finance period names its last day. A page never refuses a
    period: an empty or reversed one shows the one day from `from`."""
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else BEGINNING
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else END_OF_TIME
    return ReportPeriod(begin, max(until, begin + timedelta(days=1)))


def _to_login() -> Response:
    return RedirectResponse("/dashboard/login", status_code=303)


def _refused(exc: DomainError) -> Response:
    problem = f'<p class="error" role="alert">{esc(exc.field)}: {esc(exc)}</p>'
    return page("Finance dashboard", problem + BACK, status=422)


class FinanceDashboard:
    """The dashboard's routes; pause is asked with the configured finance key."""

    def __init__(self, queries: FinanceQueries, pauses: PauseClient, access: DashboardAccess) -> None:
        self.queries, self.pauses, self.access = queries, pauses, access

    def signed_in(self, request: Request) -> bool:
        return self.access.sessions.valid(request.cookies.get(COOKIE))

    async def login_form(self) -> Response:
        return login()

    async def sign_in(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode(errors="replace"), max_num_fields=5)
        if self.access.keys.role_of(form.get("key", [""])[0]) != "finance":
            return login("That key is not the finance key.")
        answer = RedirectResponse("/dashboard", status_code=303)
        sessions, secure = self.access.sessions, self.access.secure_cookies or request.url.scheme == "https"
        answer.set_cookie(
            COOKIE,
            sessions.issue(),
            max_age=int(sessions.ttl.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/dashboard",
        )
        return answer

    async def sign_out(self) -> Response:
        answer = RedirectResponse("/dashboard/login", status_code=303)
        answer.delete_cookie(COOKIE, path="/dashboard")
        return answer

    async def dashboard(self, request: Request) -> Response:
        if not self.signed_in(request):
            return _to_login()
        try:
            start, end = _day(request.query_params, "from"), _day(request.query_params, "to")
        except DomainError as exc:
            return _refused(exc)
        period = _period(start, end)
        figures = await self.queries.overview(period)
        pauses = await self.pauses.report(self.access.finance_key, period)
        span = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}
        return page("Finance dashboard", sections.overview(span, figures, pauses))

    async def report_csv(self, request: Request) -> Response:
        if not self.signed_in(request):
            return _to_login()
        try:
            period = _period(_day(request.query_params, "from"), _day(request.query_params, "to"))
        except DomainError as exc:
            return _refused(exc)
        text = as_csv(await self.queries.report(period, "reason"))
        disposition = 'attachment; filename="dunning-report-reason.csv"'
        return Response(text, media_type="text/csv", headers={"Content-Disposition": disposition})

    async def case(self, request: Request, case_id: str) -> Response:
        if not self.signed_in(request):
            return _to_login()
        case = await self.queries.case_detail(case_id)
        if case is None:
            return page("Case not found", BACK, status=404)
        return page(f"Case {case.id}", sections.case_page(case) + BACK)


def dashboard_router(queries: FinanceQueries, pauses: PauseClient, access: DashboardAccess) -> APIRouter:
    board = FinanceDashboard(queries, pauses, access)
    router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)
    router.add_api_route("/login", board.login_form, methods=["GET"])
    router.add_api_route("/login", board.sign_in, methods=["POST"])
    router.add_api_route("/logout", board.sign_out, methods=["POST"])
    router.add_api_route("", board.dashboard, methods=["GET"])
    router.add_api_route("/report.csv", board.report_csv, methods=["GET"])
    router.add_api_route("/cases/{case_id}", board.case, methods=["GET"])
    return router
