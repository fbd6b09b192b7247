"""The coordinator's API on billing: the clock's status, advancing it, and registration."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from shared.http.auth import ApiKeys
from shared.http.errors import ApiError
from shared.test_clock.coordinator import Advance, ClockCoordinator, ClockStatus


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=40)
    url: str = Field(pattern=r"^https?://[^\\s/]+(/.*)?$", max_length=300)


def coordinator_router(coordinator: ClockCoordinator, keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/test-clock", tags=["test clock"])
    admin = Depends(keys.require("admin"))

    @router.get("", dependencies=[admin])
    async def status(wait: Annotated[float, Query(ge=0, le=60)] = 0) -> ClockStatus:
        """`?wait=N` holds the answer up to N seconds while advancing, so a caller
        learns the moment the clock is ready without polling."""
        if wait:
            await coordinator.wait(wait)
        return await coordinator.snapshot()

    @router.post("/advance", status_code=202, dependencies=[admin])
    async def advance(body: Advance) -> ClockStatus:
        now = coordinator.local.clock.now()
        target = now + timedelta(seconds=body.seconds) if body.seconds is not None else body.to
        assert target is not None
        if target < now:
            raise ApiError(422, "invalid_request", "to: the test clock never moves backwards", "to")
        await coordinator.start(target)
        return ClockStatus(now=now, status="advancing")

    @router.post("/participants", status_code=204, dependencies=[admin])
    async def register(body: Registration) -> None:
        """A service instance takes part (and says so again every few seconds)."""
        await coordinator.book.register(body.service, body.url)

    return router
