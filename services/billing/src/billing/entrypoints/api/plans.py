"""`/v1/plans`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import PlanOut
from billing.service_layer.plans import DefinePlan, ShowPlan


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    code: str = Field(min_length=1, max_length=64, examples=["pro-monthly"])
    name: str = Field(min_length=1, max_length=200, examples=["Pro"])
    amount: int = Field(gt=0, description="Price in minor units (1500 is 15.00 USD).", examples=[1500])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["USD"])
    interval: Literal["month", "year"]
    beach_fee_amount: int | None = Field(
        default=None, ge=0, description="Per paused month, minor units; default 1.00 of the currency."
    )


def plans_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/plans", tags=["plans"])
    admin = Depends(ctx.keys.require("admin"))

    @router.post("", status_code=201, dependencies=[admin], response_model=PlanOut)
    async def create_plan(request: Request, body: PlanIn) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            plan = await ctx.bus.handle(DefinePlan(**body.model_dump()))
            return 201, PlanOut.of(plan).model_dump(mode="json")

        return await ctx.idempotency.run(request, run)

    @router.get("/{code}", dependencies=[admin])
    async def get_plan(code: str) -> PlanOut:
        return PlanOut.of(await ctx.bus.handle(ShowPlan(code)))

    return router
