"""`/v1/subscriptions` and `/v1/invoices`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import InvoiceOut, SubscriptionOut
from billing.service_layer.invoice_queries import ListInvoices, ShowInvoice
from billing.service_layer.subscriptions import CancelSubscriptionNow, ShowSubscription, StartSubscription
from shared.http.openapi import errors


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


Cursor = Annotated[str | None, Query(max_length=20, description="`next_cursor` of the previous page")]


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

    async def list_invoices(
        self,
        subscription_id: Annotated[str, Query(min_length=1, max_length=40)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Cursor = None,
    ) -> InvoiceList:
        page = await self.ctx.bus.handle(ListInvoices(subscription_id, limit, cursor))
        return InvoiceList(data=[InvoiceOut.of(i) for i in page.invoices], next_cursor=page.next_cursor)

    async def get_invoice(self, invoice_id: str) -> InvoiceOut:
        return InvoiceOut.of(await self.ctx.bus.handle(ShowInvoice(invoice_id)))


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
    router.add_api_route("/v1/invoices", api.list_invoices, methods=["GET"], responses=errors(404))
    router.add_api_route("/v1/invoices/{invoice_id}", api.get_invoice, methods=["GET"])
    return router
