"""`/v1/dunning/cases`, `/v1/dunning/cases/{id}`, `/v1/dunning/report` and its CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from dunning.adapters.case_queries import CaseFilter, CaseList, FinanceQueries
from dunning.adapters.report import DunningReport, GroupBy
from dunning.adapters.report_csv import as_csv
from shared.http.auth import ApiKeys
from shared.http.report_period import END_OF_TIME, From, ReportPeriod, To


def _period(start: datetime | None, end: datetime | None) -> ReportPeriod:
    """Without bounds, everything: finance asks for a period when it wants one."""
    return ReportPeriod.parse(start, end, default_end=END_OF_TIME)


class FinanceApi:
    """The finance routes: parse the query, ask `FinanceQueries`, shape the answer."""

    def __init__(self, queries: FinanceQueries) -> None:
        self.queries = queries

    async def list_cases(
        self,
        status: Annotated[Literal["open", "closed"] | None, Query()] = None,
        outcome: Annotated[Literal["recovered", "paused", "canceled", "written_off"] | None, Query()] = None,
        variant: Annotated[str | None, Query(max_length=40)] = None,
        decline_code: Annotated[str | None, Query(max_length=50)] = None,
        customer_id: Annotated[str | None, Query(max_length=40)] = None,
        start: From = None,
        end: To = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[
            str | None, Query(max_length=40, description="`next_cursor` of the previous page")
        ] = None,
    ) -> CaseList:
        where = CaseFilter(status, outcome, variant, decline_code, customer_id)
        return await self.queries.list_cases(_period(start, end), where, limit=limit, cursor=cursor)

    async def report(self, start: From = None, end: To = None, group_by: GroupBy = "reason") -> DunningReport:
        return await self.queries.report(_period(start, end), group_by)

    async def report_csv(self, start: From = None, end: To = None, group_by: GroupBy = "reason") -> Response:
        text = as_csv(await self.queries.report(_period(start, end), group_by))
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="dunning-report-{group_by}.csv"'},
        )


CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report as CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


def finance_router(queries: FinanceQueries, keys: ApiKeys) -> APIRouter:
    api = FinanceApi(queries)
    router = APIRouter(
        prefix="/v1/dunning", tags=["finance"], dependencies=[Depends(keys.require("finance"))]
    )
    router.add_api_route("/cases", api.list_cases, methods=["GET"])
    router.add_api_route("/report", api.report, methods=["GET"])
    router.add_api_route(
        "/report.csv", api.report_csv, methods=["GET"], response_class=Response, responses=CSV
    )
    return router
