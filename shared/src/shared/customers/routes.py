"""`GET /v1/customers/{id}` on dunning and pause: what this service knows of a customer."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.customers.directory import CustomerDirectory
from shared.db.engine import reading
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError


class CustomerProfileOut(BaseModel):
    id: str
    email: str
    name: str
    timezone: str
    registered_at: datetime
    locale: str


def customer_profiles_router(table: Table, engine: AsyncEngine, keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/customers", tags=["customers"])

    @router.get("/{customer_id}", dependencies=[Depends(keys.require("admin"))])
    async def get_customer(customer_id: str) -> CustomerProfileOut:
        async with reading(engine) as connection:
            profile = await CustomerDirectory(table, connection).get(customer_id)
        if profile is None:
            raise ApiError(404, "not_found", f"no customer {customer_id} known here", "customer_id")
        return CustomerProfileOut(**asdict(profile))

    return router
