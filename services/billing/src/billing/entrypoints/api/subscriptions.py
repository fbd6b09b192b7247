"""`/v1/subscriptions`; invoices are in `invoices.py`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import SubscriptionOut
from billing.service_layer.subscriptions import CancelSubscriptionNow, ShowSubscription, StartSubscription
from shared.http.openapi import errors


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=40)
    plan_code: str = Field(min_length=1, max_length=64)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class SubscriptionsApi:
    """The subscription and invoice routes: build the message, ask the bus, shape the answer."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def create(self, request: Request, body: SubscriptionIn) -> JSONResponse:
        """Starts the subscription and charges its first period at once."""

        async def run() -> tuple[int, Any]:
            started = await self.ctx.bus.handle(StartSubscription(body.customer_id, body.plan_code))
            subscription = await self.ctx.bus.handle(ShowSubscription(started))
            return 201, SubscriptionOut.of(subscription).model_dump(mode="json")

        return await self.ctx.idempotency.run(request, run)

    async def get(self, subscription_id: str) -> SubscriptionOut:
        return SubscriptionOut.of(await self.ctx.bus.handle(ShowSubscription(subscription_id)))

    async def cancel(
        self, request: Request, subscription_id: str, body: CancelIn | None = None
    ) -> JSONResponse:
        command = CancelSubscriptionNow(subscription_id, body.reason if body else None, requested_by="admin")

        async def run() -> tuple[int, Any]:
            return 200, SubscriptionOut.of(await self.ctx.bus.handle(command)).model_dump(mode="json")

        return await self.ctx.idempotency.run(request, run)


def subscriptions_router(ctx: ApiContext) -> APIRouter:
    api = SubscriptionsApi(ctx)
    router = APIRouter(tags=["subscriptions"], dependencies=[Depends(ctx.keys.require("admin"))])
    router.add_api_route(
        "/v1/subscriptions",
        api.create,
        methods=["POST"],
        status_code=201,
        response_model=SubscriptionOut,
        responses=errors(404),
    )
    router.add_api_route("/v1/subscriptions/{subscription_id}", api.get, methods=["GET"])
    router.add_api_route("/v1/subscriptions/{subscription_id}/cancel", api.cancel, methods=["POST"])
    return router
