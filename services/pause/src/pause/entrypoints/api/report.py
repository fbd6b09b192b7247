"""`GET /v1/pause/report` for finance."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pause.adapters.report import PauseReport, PauseReports
from shared.clock import Clock
from shared.http.auth import ApiKeys
from shared.http.report_period import From, ReportPeriod, To


class PauseReportApi:
    """Without `to`, a pause report runs up to now: it is about what has happened so far.
    (No docstring on the route itself: FastAPI would publish it in the OpenAPI document.)"""

    def __init__(self, reports: PauseReports, clock: Clock) -> None:
        self.reports, self.clock = reports, clock

    async def report(
        self,
        start: From = None,
        end: To = None,
    ) -> PauseReport:
        return await self.reports.report(ReportPeriod.parse(start, end, default_end=self.clock.now()))


def report_router(reports: PauseReports, keys: ApiKeys, clock: Clock) -> APIRouter:
    api = PauseReportApi(reports, clock)
    router = APIRouter(tags=["reports"])
    router.add_api_route(
        "/v1/pause/report", api.report, methods=["GET"], dependencies=[Depends(keys.require("finance"))]
    )
    return router
