"""`/v1/customers` and their payment methods."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billing.adapters.gateways.port import CardSetupUnavailable, GatewayUnavailable, PaymentMethodRejected
from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import CustomerOut, PaymentMethodOut
from billing.service_layer.customers import FindCustomer, RegisterCustomer
from billing.service_layer.payment_methods import AddCard, StartCardSetup
from shared.http.errors import ApiError
from shared.http.portal_auth import caller_customer


def _admin_or_same_customer(ctx: ApiContext) -> Any:
    """The portal adds a card for its own customer, with that customer's portal token."""

    def dependency(request: Request, customer_id: str) -> None:
        holder = caller_customer(request, ctx.keys, ctx.verifier, ctx.clock)
        if holder is not None and holder != customer_id:
            raise ApiError(404, "not_found", f"no customer {customer_id}", "customer_id")

    return dependency


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320, examples=["ada@example.com"])
    name: str = Field(min_length=1, max_length=200, examples=["Ada Lovelace"])
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/London"])


class CardSetupOut(BaseModel):
    client_secret: str = Field(description="For Stripe.js `confirmCardSetup` in the customer's browser.")


class PaymentMethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field(
        min_length=3, max_length=100, description="A gateway payment method id.", examples=["pm_card_visa"]
    )


def customers_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(prefix="/v1/customers", tags=["customers"])
    admin = Depends(ctx.keys.require("admin"))

    @router.post("", status_code=201, dependencies=[admin], response_model=CustomerOut)
    async def create_customer(request: Request, body: CustomerIn) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            customer = await ctx.bus.handle(
                RegisterCustomer(email=body.email, name=body.name, timezone=body.timezone)
            )
            return 201, CustomerOut.of(customer).model_dump(mode="json")

        return await ctx.idempotency.run(request, run)

    @router.get("/{customer_id}", dependencies=[admin])
    async def get_customer(customer_id: str) -> CustomerOut:
        return CustomerOut.of(await ctx.bus.handle(FindCustomer(customer_id)))

    @router.post(
        "/{customer_id}/payment-methods",
        status_code=201,
        dependencies=[Depends(_admin_or_same_customer(ctx))],
        response_model=PaymentMethodOut,
    )
    async def add_card(request: Request, customer_id: str, body: PaymentMethodIn) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            try:
                method = await ctx.bus.handle(AddCard(customer_id, body.payment_method))
            except PaymentMethodRejected as exc:
                raise ApiError(402, "card_rejected", f"payment_method: {exc}", "payment_method") from None
            except GatewayUnavailable:
                message = "the payment gateway did not answer; try again"
                raise ApiError(503, "gateway_unavailable", message) from None
            return 201, PaymentMethodOut.of(method).model_dump(mode="json")

        return await ctx.idempotency.run(request, run)

    @router.post(
        "/{customer_id}/card-setups",
        status_code=201,
        dependencies=[Depends(_admin_or_same_customer(ctx))],
        response_model=CardSetupOut,
    )
    async def card_setup(customer_id: str) -> CardSetupOut:
        """Starts card entry in the browser; the card number never reaches billing."""
        try:
            secret = await ctx.bus.handle(StartCardSetup(customer_id))
        except CardSetupUnavailable as exc:
            raise ApiError(409, "card_setup_unavailable", str(exc)) from None
        except GatewayUnavailable:
            raise ApiError(
                503, "gateway_unavailable", "the payment gateway did not answer; try again"
            ) from None
        return CardSetupOut(client_secret=secret)

    return router
