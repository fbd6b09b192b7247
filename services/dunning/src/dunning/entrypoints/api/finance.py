"""`/v1/dunning/cases`, `/v1/dunning/cases/{id}`, `/v1/dunning/report` and its CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dunning.adapters.orm import dunning_cases
from dunning.adapters.report import DunningReport, GroupBy, as_csv, dunning_report
from shared.db.engine import reading
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError
from shared.money import Money


class CaseSummary(BaseModel):
    id: str
    subscription_id: str
    customer_id: str
    invoice_id: str
    amount_due: Money
    decline_code: str
    decline_class: str
    policy_version: str
    variant: str
    status: str
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    reminders_sent: int
    retries_made: int
    next_due_at: datetime | None


class TimelineEntry(BaseModel):
    at: datetime
    kind: Literal["opened", "retry", "reminder", "beach_offer", "card_updated", "closed"]
    detail: str | None = None


class CaseDetail(CaseSummary):
    timeline: list[TimelineEntry]


class CaseList(BaseModel):
    data: list[CaseSummary]
    next_cursor: str | None


def _summary(row: Any) -> dict[str, Any]:
    values = {k: getattr(row, k) for k in CaseSummary.model_fields if k != "amount_due"}
    return values | {"amount_due": Money.of(row.amount_due, row.currency)}


def case_timeline(row: Any) -> list[TimelineEntry]:
    state = json.loads(row.state)
    entries = [TimelineEntry(at=row.opened_at, kind="opened", detail=row.decline_code)]
    entries += [
        TimelineEntry(at=datetime.fromisoformat(r["at"]), kind="retry", detail=r["reason"])
        for r in state["retries"]
    ]
    entries += [TimelineEntry(at=datetime.fromisoformat(m), kind="reminder") for m in state["reminders_sent"]]
    if state["beach_offer_sent_at"]:  # kept apart from reminders_sent by DunningCase.record_beach_offer
        entries.append(
            TimelineEntry(at=datetime.fromisoformat(state["beach_offer_sent_at"]), kind="beach_offer")
        )
    if state["card_updated_at"]:
        entries.append(
            TimelineEntry(at=datetime.fromisoformat(state["card_updated_at"]), kind="card_updated")
        )
    if row.closed_at:
        entries.append(TimelineEntry(at=row.closed_at, kind="closed", detail=row.outcome))
    return sorted(entries, key=lambda e: (e.at, e.kind != "opened"))


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Without bounds, everything: finance asks for a period when it wants one."""
    begin, until = start or datetime(2000, 1, 1, tzinfo=UTC), end or datetime(9999, 1, 1, tzinfo=UTC)
    for name, value in (("from", begin), ("to", until)):
        if value.tzinfo is None:
            raise ApiError(
                422, "invalid_request", f"{name}: give a time zone, e.g. 2026-01-01T00:00:00Z", name
            )
    if until <= begin:
        raise ApiError(422, "invalid_request", "to: must be after from", "to")
    return begin, until


def finance_router(engine: AsyncEngine, keys: ApiKeys) -> APIRouter:
    router = APIRouter(
        prefix="/v1/dunning", tags=["finance"], dependencies=[Depends(keys.require("finance"))]
    )

    @router.get("/cases")
    async def list_cases(
        status: Annotated[Literal["open", "closed"] | None, Query()] = None,
        outcome: Annotated[Literal["recovered", "paused", "canceled", "written_off"] | None, Query()] = None,
        variant: Annotated[str | None, Query(max_length=40)] = None,
        decline_code: Annotated[str | None, Query(max_length=50)] = None,
        customer_id: Annotated[str | None, Query(max_length=40)] = None,
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[
            str | None, Query(max_length=40, description="`next_cursor` of the previous page")
        ] = None,
    ) -> CaseList:
        begin, until = _range(start, end)
        t = dunning_cases
        query = select(t).where(t.c.opened_at >= begin, t.c.opened_at < until)
        for column, value in (
            (t.c.status, status),
            (t.c.outcome, outcome),
            (t.c.variant, variant),
            (t.c.decline_code, decline_code),
            (t.c.customer_id, customer_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if cursor:
            query = query.where(t.c.id > cursor)
        async with reading(engine) as conn:
            rows = (await conn.execute(query.order_by(t.c.id).limit(limit + 1))).all()
        page = rows[:limit]
        return CaseList(
            data=[CaseSummary(**_summary(r)) for r in page],
            next_cursor=page[-1].id if len(rows) > limit else None,
        )

    @router.get("/cases/{case_id}")
    async def get_case(case_id: str) -> CaseDetail:
        async with reading(engine) as conn:
            row = (await conn.execute(select(dunning_cases).where(dunning_cases.c.id == case_id))).first()
        if row is None:
            raise ApiError(404, "not_found", f"no dunning case {case_id}", "case_id")
        return CaseDetail(**_summary(row), timeline=case_timeline(row))

    async def build(start: datetime | None, end: datetime | None, group_by: GroupBy) -> DunningReport:
        begin, until = _range(start, end)
        async with reading(engine) as conn:
            return await dunning_report(conn, begin, until, group_by)

    @router.get("/report")
    async def report(
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
        group_by: GroupBy = "reason",
    ) -> DunningReport:
        return await build(start, end, group_by)

    @router.get("/report.csv", response_class=Response)
    async def report_csv(
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
        group_by: GroupBy = "reason",
    ) -> Response:
        text = as_csv(await build(start, end, group_by))
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="dunning-report-{group_by}.csv"'},
        )

    return router
