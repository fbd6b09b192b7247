"""`/v1/subscriptions` and `/v1/invoices`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import InvoiceOut, SubscriptionOut
from billing.service_layer.subscriptions import CancelSubscriptionNow, ShowSubscription, StartSubscription
from shared.http.errors import ApiError


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=40)
    plan_code: str = Field(min_length=1, max_length=64)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class InvoiceList(BaseModel):
    data: list[InvoiceOut]
    next_cursor: str | None


def subscriptions_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(tags=["subscriptions"])
    admin = Depends(ctx.keys.require("admin"))

    @router.post("/v1/subscriptions", status_code=201, dependencies=[admin], response_model=SubscriptionOut)
    async def create_subscription(request: Request, body: SubscriptionIn) -> JSONResponse:
        """Starts the subscription and charges its first period at once."""

        async def run() -> tuple[int, Any]:
            started = await ctx.bus.handle(
                StartSubscription(customer_id=body.customer_id, plan_code=body.plan_code)
            )
            return 201, SubscriptionOut.of(await ctx.bus.handle(ShowSubscription(started))).model_dump(
                mode="json"
            )

        return await ctx.idempotency.run(request, run)

    @router.get("/v1/subscriptions/{subscription_id}", dependencies=[admin])
    async def get_subscription(subscription_id: str) -> SubscriptionOut:
        return SubscriptionOut.of(await ctx.bus.handle(ShowSubscription(subscription_id)))

    @router.post("/v1/subscriptions/{subscription_id}/cancel", dependencies=[admin])
    async def cancel(request: Request, subscription_id: str, body: CancelIn | None = None) -> JSONResponse:
        command = CancelSubscriptionNow(
            subscription_id, reason=body.reason if body else None, requested_by="admin"
        )

        async def run() -> tuple[int, Any]:
            return 200, SubscriptionOut.of(await ctx.bus.handle(command)).model_dump(mode="json")

        return await ctx.idempotency.run(request, run)

    @router.get("/v1/invoices", dependencies=[admin])
    async def list_invoices(
        subscription_id: Annotated[str, Query(min_length=1, max_length=40)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[
            str | None, Query(max_length=20, description="`next_cursor` of the previous page")
        ] = None,
    ) -> InvoiceList:
        async with ctx.uow().read_only() as work:
            invoices = await work.invoices.for_subscription(subscription_id, after=cursor, limit=limit + 1)
        page = invoices[:limit]
        more = len(invoices) > limit
        return InvoiceList(
            data=[InvoiceOut.of(i) for i in page], next_cursor=page[-1].number if more else None
        )

    @router.get("/v1/invoices/{invoice_id}", dependencies=[admin])
    async def get_invoice(invoice_id: str) -> InvoiceOut:
        async with ctx.uow().read_only() as work:
            invoice = await work.invoices.get(invoice_id)
        if invoice is None:
            raise ApiError(404, "not_found", f"no invoice {invoice_id}", "invoice_id")
        return InvoiceOut.of(invoice)

    return router
