"""Pause options, pausing, resuming early, extending, and the cancel flow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from pause.domain.cancel_intent import CancelIntent
from pause.domain.pause import BeachPause
from pause.service_layer.handlers import Bus
from pause.service_layer.messages import (
    ConfirmCancel,
    ExtendPause,
    GetPauseOptions,
    ListPauses,
    PauseOptions,
    PauseSubscription,
    Principal,
    RecordCancelIntent,
    ResumeEarly,
)
from shared.bus import Command
from shared.http.idempotency import IdempotentRequests
from shared.http.openapi import errors
from shared.money import Money

R = TypeVar("R")


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

    @classmethod
    def of(cls, intent: CancelIntent, offer: PauseOptions | None = None) -> CancelIntentOut:
        return cls(
            id=intent.id,
            subscription_id=intent.subscription_id,
            outcome=intent.outcome,
            offer=OptionsOut.of(offer) if offer else None,
        )


class PauseList(BaseModel):
    data: list[PauseOut]
    next_cursor: str | None = None


class Answer(Protocol):
    async def __call__(
        self, request: Request, status: int, command: Command[R], out: Callable[[R], BaseModel]
    ) -> JSONResponse: ...


def _answers(bus: Bus, idempotency: IdempotentRequests) -> Answer:
    """Handle a command once per idempotency key, and answer with its translation."""

    async def answer(
        request: Request, status: int, command: Command[R], out: Callable[[R], BaseModel]
    ) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            return status, out(await bus.handle(command)).model_dump(mode="json")

        return await idempotency.run(request, run)

    return answer


def pauses_router(bus: Bus, who: Any, idempotency: IdempotentRequests) -> APIRouter:
    router = APIRouter(tags=["pauses"])
    _pause_routes(router, bus, _answers(bus, idempotency), Depends(who))
    _cancel_routes(router, _answers(bus, idempotency), Depends(who))
    return router


def _pause_routes(router: APIRouter, bus: Bus, answer: Answer, caller: Any) -> None:
    @router.get("/v1/subscriptions/{subscription_id}/pause-options")
    async def pause_options(subscription_id: str, principal: Principal = caller) -> OptionsOut:
        return OptionsOut.of(await bus.handle(GetPauseOptions(subscription_id, principal)))

    @router.post("/v1/subscriptions/{subscription_id}/pause", status_code=201, response_model=PauseOut)
    async def pause(
        request: Request, subscription_id: str, body: MonthsIn, principal: Principal = caller
    ) -> JSONResponse:
        return await answer(
            request, 201, PauseSubscription(subscription_id, body.months, principal), PauseOut.of
        )

    @router.post("/v1/pauses/{pause_id}/resume", response_model=PauseOut)
    async def resume(request: Request, pause_id: str, principal: Principal = caller) -> JSONResponse:
        return await answer(request, 200, ResumeEarly(pause_id, principal), PauseOut.of)

    @router.post("/v1/pauses/{pause_id}/extend", response_model=PauseOut)
    async def extend(
        request: Request, pause_id: str, body: MonthsIn, principal: Principal = caller
    ) -> JSONResponse:
        """`months` is how many months to add; the pause stays within the plan's limit."""
        return await answer(request, 200, ExtendPause(pause_id, body.months, principal), PauseOut.of)

    @router.get("/v1/pauses", responses=errors(404))
    async def list_pauses(
        customer_id: Annotated[str | None, Query(max_length=40)] = None, principal: Principal = caller
    ) -> PauseList:
        pauses = await bus.handle(ListPauses(customer_id, principal))
        return PauseList(data=[PauseOut.of(p) for p in pauses])


def _cancel_routes(router: APIRouter, answer: Answer, caller: Any) -> None:
    @router.post(
        "/v1/subscriptions/{subscription_id}/cancel-intent", status_code=201, response_model=CancelIntentOut
    )
    async def cancel_intent(
        request: Request, subscription_id: str, body: ReasonIn, principal: Principal = caller
    ) -> JSONResponse:
        """Records why, and answers with the beach offer before anything is canceled."""
        command = RecordCancelIntent(subscription_id, body.reason, principal)
        return await answer(request, 201, command, lambda found: CancelIntentOut.of(*found))

    @router.post("/v1/cancel-intents/{intent_id}/confirm", response_model=CancelIntentOut)
    async def confirm(request: Request, intent_id: str, principal: Principal = caller) -> JSONResponse:
        return await answer(request, 200, ConfirmCancel(intent_id, principal), CancelIntentOut.of)
