"""`/v1/customers` and their payment methods."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.adapters.gateways.port import CardSetupUnavailable, GatewayUnavailable, PaymentMethodRejected
from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.views import CustomerOut, PaymentMethodList, PaymentMethodOut
from billing.service_layer.card_wallet import ListCards, MakeDefaultCard, RemoveCard
from billing.service_layer.customers import ChangeCustomerLocale, FindCustomer, RegisterCustomer
from billing.service_layer.payment_methods import AddCard, StartCardSetup
from shared.http.errors import ApiError
from shared.http.openapi import errors
from shared.http.portal_auth import admin_or_portal, admin_or_portal_claims
from shared.portal_tokens import PortalClaims


def _admin_or_same_customer(ctx: ApiContext) -> Any:
    """The portal adds a card for its own customer, with that customer's portal token."""

    caller = admin_or_portal(ctx.keys, ctx.verifier, ctx.clock)

    async def dependency(customer_id: str, holder: str | None = Depends(caller)) -> None:
        if holder is not None and holder != customer_id:
            raise ApiError(404, "not_found", f"no customer {customer_id}", "customer_id")

    return dependency


def _admin_or_full_session(ctx: ApiContext) -> Any:
    """Removing a card needs more than a recovery link's session, which may only add one."""

    caller = admin_or_portal_claims(ctx.keys, ctx.verifier, ctx.clock)

    # A default, not Annotated: the annotations are strings, and `caller` is local.
    async def dependency(customer_id: str, claims: PortalClaims | None = Depends(caller)) -> None:  # noqa: B008
        if claims is not None and claims.customer_id != customer_id:
            raise ApiError(404, "not_found", f"no customer {customer_id}", "customer_id")
        if claims is not None and claims.is_recovery:
            raise ApiError(403, "not_allowed", "a recovery link cannot remove a card; please sign in")

    return dependency


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320, examples=["ada@example.com"])
    name: str = Field(min_length=1, max_length=200, examples=["Ada Lovelace"])
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/London"])
    locale: str = Field(
        "en",
        min_length=1,
        max_length=35,
        description="BCP 47 language tag for messages and the portal; any tag without our "
        "words reads English, with its own number and date formats.",
        examples=["fr", "ja", "de-CH"],
    )


class CustomerChange(BaseModel):
    """What a customer may change about themselves; today, their language."""

    model_config = ConfigDict(extra="forbid")

    locale: str = Field(min_length=1, max_length=35, examples=["fr"])


class CardSetupOut(BaseModel):
    client_secret: str = Field(description="For Stripe.js `confirmCardSetup` in the customer's browser.")


class PaymentMethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field(
        min_length=3, max_length=100, description="A gateway payment method id.", examples=["pm_card_visa"]
    )
    default: bool = Field(True, description="false: keep it as a backup beside the default card")


@contextmanager
def gateway_refusals() -> Iterator[None]:
    """What the gateway said, as the HTTP answer a caller can act on."""
    try:
        yield
    except PaymentMethodRejected as exc:
        raise ApiError(402, "card_rejected", f"payment_method: {exc}", "payment_method") from None
    except CardSetupUnavailable as exc:
        raise ApiError(409, "card_setup_unavailable", str(exc)) from None
    except GatewayUnavailable:
        raise ApiError(503, "gateway_unavailable", "the payment gateway did not answer; try again") from None


class CustomersApi:
    """The customer routes: build the command, ask the bus, shape the answer."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def create(self, request: Request, body: CustomerIn) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            command = RegisterCustomer(
                email=body.email, name=body.name, timezone=body.timezone, locale=body.locale
            )
            return 201, CustomerOut.of(await self.ctx.bus.handle(command)).model_dump(mode="json")

        return await self.ctx.idempotency.run(request, run)

    async def get(self, customer_id: str) -> CustomerOut:
        return CustomerOut.of(await self.ctx.bus.handle(FindCustomer(customer_id)))

    async def change(self, customer_id: str, body: CustomerChange) -> CustomerOut:
        """The admin key, or the customer's own portal session choosing their language."""
        return CustomerOut.of(await self.ctx.bus.handle(ChangeCustomerLocale(customer_id, body.locale)))

    async def add_card(self, request: Request, customer_id: str, body: PaymentMethodIn) -> JSONResponse:
        async def run() -> tuple[int, Any]:
            with gateway_refusals():
                command = AddCard(customer_id, body.payment_method, as_default=body.default)
                method = await self.ctx.bus.handle(command)
            return 201, PaymentMethodOut.of(method).model_dump(mode="json")

        return await self.ctx.idempotency.run(request, run)

    async def list_cards(self, customer_id: str) -> PaymentMethodList:
        cards = await self.ctx.bus.handle(ListCards(customer_id))
        return PaymentMethodList(data=[PaymentMethodOut.of(card) for card in cards])

    async def make_default(self, customer_id: str, payment_method_id: str) -> PaymentMethodOut:
        return PaymentMethodOut.of(await self.ctx.bus.handle(MakeDefaultCard(customer_id, payment_method_id)))

    async def remove_card(self, customer_id: str, payment_method_id: str) -> Response:
        await self.ctx.bus.handle(RemoveCard(customer_id, payment_method_id))
        return Response(status_code=204)

    async def card_setup(self, customer_id: str) -> CardSetupOut:
        """Starts card entry in the browser; the card number never reaches billing."""
        with gateway_refusals():
            return CardSetupOut(client_secret=await self.ctx.bus.handle(StartCardSetup(customer_id)))


def customers_router(ctx: ApiContext) -> APIRouter:
    api = CustomersApi(ctx)
    admin = [Depends(ctx.keys.require("admin"))]
    card_holder = [Depends(_admin_or_same_customer(ctx))]
    router = APIRouter(prefix="/v1/customers", tags=["customers"])
    router.add_api_route(
        "", api.create, methods=["POST"], status_code=201, dependencies=admin, response_model=CustomerOut
    )
    router.add_api_route("/{customer_id}", api.get, methods=["GET"], dependencies=admin)
    router.add_api_route(
        "/{customer_id}", api.change, methods=["PATCH"], dependencies=card_holder, response_model=CustomerOut
    )
    router.add_api_route(
        "/{customer_id}/payment-methods",
        api.add_card,
        methods=["POST"],
        status_code=201,
        dependencies=card_holder,
        response_model=PaymentMethodOut,
        responses=errors(402, 503),
    )
    cards = "/{customer_id}/payment-methods"
    router.add_api_route(cards, api.list_cards, methods=["GET"], dependencies=card_holder)
    one = cards + "/{payment_method_id}"
    router.add_api_route(one + "/default", api.make_default, methods=["POST"], dependencies=card_holder)
    full = [Depends(_admin_or_full_session(ctx))]
    router.add_api_route(one, api.remove_card, methods=["DELETE"], status_code=204, dependencies=full)
    router.add_api_route(
        "/{customer_id}/card-setups",
        api.card_setup,
        methods=["POST"],
        status_code=201,
        dependencies=card_holder,
        response_model=CardSetupOut,
        responses=errors(503),
    )
    return router
