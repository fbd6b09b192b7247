"""Pause options, pausing, resuming early, extending, and the cancel flow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from pause.domain.pause import BeachPause
from pause.domain.policy import PausePolicies
from pause.service_layer import pausing
from pause.service_layer.pausing import PauseOptions, Principal
from pause.service_layer.unit_of_work import UnitOfWorkFactory
from shared.http.errors import ApiError
from shared.http.idempotency import IdempotentRequests
from shared.money import Money


class MonthsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    months: StrictInt = Field(ge=1, le=12, description="How many months; the plan offers 1, 2 or 3.")


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class PauseOut(BaseModel):
    id: str
    subscription_id: str
    customer_id: str
    status: str
    source: str
    months: int
    starts_at: datetime
    resumes_at: datetime
    fee_per_month: Money
    fee_total: Money

    @classmethod
    def of(cls, pause: BeachPause) -> PauseOut:
        return cls(
            **{k: getattr(pause, k) for k in cls.model_fields if k not in ("status", "fee_total")},
            status=pause.status.value,
            fee_total=pause.fee_per_month * pause.months,
        )


class DurationOut(BaseModel):
    months: int
    starts_at: datetime
    resumes_at: datetime
    fee_total: Money


class OptionsOut(BaseModel):
    subscription_id: str
    eligible: bool
    reason: str | None
    message: str | None
    fee_per_month: Money
    regular_price: Money
    durations: list[DurationOut]

    @classmethod
    def of(cls, options: PauseOptions) -> OptionsOut:
        return cls(
            **{k: getattr(options, k) for k in cls.model_fields if k != "durations"},
            durations=[DurationOut(**d.__dict__) for d in options.durations],
        )


class CancelIntentOut(BaseModel):
    id: str
    subscription_id: str
    outcome: str
    offer: OptionsOut | None = None


class PauseList(BaseModel):
    data: list[PauseOut]
    next_cursor: str | None = None


def pauses_router(
    uow: UnitOfWorkFactory,
    policies: PausePolicies,
    who: Any,
    idempotency: IdempotentRequests,
) -> APIRouter:
    router = APIRouter(tags=["pauses"])
    caller = Depends(who)

    async def answer(request: Request, status: int, work: Any) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            return status, (await work()).model_dump(mode="json")

        return await idempotency.run(request, run)

    @router.get("/v1/subscriptions/{subscription_id}/pause-options")
    async def pause_options(subscription_id: str, principal: Principal = caller) -> OptionsOut:
        return OptionsOut.of(await pausing.pause_options(subscription_id, principal, uow, policies))

    @router.post("/v1/subscriptions/{subscription_id}/pause", status_code=201, response_model=PauseOut)
    async def pause(
        request: Request, subscription_id: str, body: MonthsIn, principal: Principal = caller
    ) -> JSONResponse:
        async def work() -> PauseOut:
            return PauseOut.of(
                await pausing.pause_subscription(subscription_id, body.months, principal, uow, policies)
            )

        return await answer(request, 201, work)

    @router.post("/v1/pauses/{pause_id}/resume", response_model=PauseOut)
    async def resume(request: Request, pause_id: str, principal: Principal = caller) -> JSONResponse:
        async def work() -> PauseOut:
            return PauseOut.of(await pausing.resume_early(pause_id, principal, uow))

        return await answer(request, 200, work)

    @router.post("/v1/pauses/{pause_id}/extend", response_model=PauseOut)
    async def extend(
        request: Request, pause_id: str, body: MonthsIn, principal: Principal = caller
    ) -> JSONResponse:
        """`months` is how many months to add; the pause stays within the plan's limit."""

        async def work() -> PauseOut:
            return PauseOut.of(await pausing.extend_pause(pause_id, body.months, principal, uow, policies))

        return await answer(request, 200, work)

    @router.get("/v1/pauses")
    async def list_pauses(
        customer_id: Annotated[str | None, Query(max_length=40)] = None, principal: Principal = caller
    ) -> PauseList:
        target = customer_id or principal.customer_id
        if target is None:
            raise ApiError(422, "invalid_request", "customer_id: required with the admin key", "customer_id")
        if not principal.may_see(target):
            raise ApiError(404, "not_found", f"no customer {target}", "customer_id")
        return PauseList(data=[PauseOut.of(p) for p in await pausing.list_pauses(target, principal, uow)])

    @router.post(
        "/v1/subscriptions/{subscription_id}/cancel-intent", status_code=201, response_model=CancelIntentOut
    )
    async def cancel_intent(
        request: Request, subscription_id: str, body: ReasonIn, principal: Principal = caller
    ) -> JSONResponse:
        """Records why, and answers with the beach offer before anything is canceled."""

        async def work() -> CancelIntentOut:
            intent, options = await pausing.record_cancel_intent(
                subscription_id, body.reason, principal, uow, policies
            )
            return CancelIntentOut(
                id=intent.id,
                subscription_id=intent.subscription_id,
                outcome=intent.outcome,
                offer=OptionsOut.of(options),
            )

        return await answer(request, 201, work)

    @router.post("/v1/cancel-intents/{intent_id}/confirm", response_model=CancelIntentOut)
    async def confirm(request: Request, intent_id: str, principal: Principal = caller) -> JSONResponse:
        async def work() -> CancelIntentOut:
            intent = await pausing.confirm_cancel(intent_id, principal, uow)
            return CancelIntentOut(
                id=intent.id, subscription_id=intent.subscription_id, outcome=intent.outcome
            )

        return await answer(request, 200, work)

    return router
