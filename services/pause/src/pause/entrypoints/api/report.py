"""`GET /v1/pause/report` for finance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncEngine

from pause.adapters.report import PauseReport, pause_report
from shared.clock import Clock
from shared.db.engine import reading
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError


def report_router(engine: AsyncEngine, keys: ApiKeys, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.get("/v1/pause/report", dependencies=[Depends(keys.require("finance"))])
    async def report(
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
    ) -> PauseReport:
        begin = start or datetime(2000, 1, 1, tzinfo=UTC)
        until = end or clock.now()
        for name, value in (("from", begin), ("to", until)):
            if value.tzinfo is None:
                raise ApiError(
                    422, "invalid_request", f"{name}: give a time zone, e.g. 2026-01-01T00:00:00Z", name
                )
        if until <= begin:
            raise ApiError(422, "invalid_request", "to: must be after from", "to")
        async with reading(engine) as conn:
            return await pause_report(conn, begin, until)

    return router
