"""Billing's HTTP API. Thin: validate, call one handler, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from billing.domain.customer import Customer, InvalidCustomer
from billing.service_layer import handlers
from billing.service_layer.handlers import UnitOfWorkFactory
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320, examples=["ada@example.com"])
    name: str = Field(min_length=1, max_length=200, examples=["Ada Lovelace"])
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/London"])


class CustomerOut(BaseModel):
    id: str
    email: str
    name: str
    timezone: str
    created_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            id=customer.id,
            email=customer.email,
            name=customer.name,
            timezone=customer.timezone,
            created_at=customer.created_at,
        )


def customers_router(uow: UnitOfWorkFactory, keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/customers", tags=["customers"])
    admin = Depends(keys.require("admin"))

    @router.post("", status_code=201, dependencies=[admin])
    async def create_customer(body: CustomerIn) -> CustomerOut:
        try:
            customer = await handlers.register_customer(
                handlers.RegisterCustomer(email=body.email, name=body.name, timezone=body.timezone),
                uow,
            )
        except InvalidCustomer as exc:
            raise ApiError(422, "invalid_request", f"{exc.field}: {exc}", exc.field) from None
        return CustomerOut.of(customer)

    @router.get("/{customer_id}", dependencies=[admin])
    async def get_customer(customer_id: Annotated[str, "customer id"]) -> CustomerOut:
        customer = await handlers.find_customer(customer_id, uow)
        if customer is None:
            raise ApiError(404, "not_found", f"no customer {customer_id}", "customer_id")
        return CustomerOut.of(customer)

    return router
