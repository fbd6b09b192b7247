"""Dunning's and pause's own copy of the customers billing registered.

No service reads another's tables, yet dunning needs a customer's timezone (no reminder
at night) and email, and pause needs them for its reminders. Each keeps this replica,
fed by `customer.created` from `billing.events` through its inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.base import CloudEvent
from shared.contracts.billing import CustomerCreated
from shared.db.metadata import UtcDateTime
from shared.db.upsert import upsert
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError


def customer_profiles_table(metadata: MetaData) -> Table:
    return Table(
        "customer_profiles",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("email", String(320), nullable=False),
        Column("name", String(200), nullable=False),
        Column("timezone", String(64), nullable=False),
        Column("registered_at", UtcDateTime, nullable=False),
    )


def create_customer_profiles_table() -> None:
    """Migration step, shared by dunning's and pause's first revision."""
    from alembic import op

    op.create_table(
        "customer_profiles",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_profiles"),
    )


@dataclass(frozen=True)
class CustomerProfile:
    id: str
    email: str
    name: str
    timezone: str
    registered_at: datetime


class CustomerDirectory:
    def __init__(self, table: Table, session: AsyncSession) -> None:
        self.table = table
        self.session = session

    async def get(self, customer_id: str) -> CustomerProfile | None:
        row = (await self.session.execute(select(self.table).where(self.table.c.id == customer_id))).first()
        return CustomerProfile(**row._mapping) if row else None

    async def remember(self, data: CustomerCreated) -> None:
        values: dict[str, Any] = {
            "id": data.customer_id,
            "email": data.email,
            "name": data.name,
            "timezone": data.timezone,
            "registered_at": data.created_at,
        }
        await upsert(self.session, self.table, values, key=["id"])


class HasSession:
    session: AsyncSession


def remember_customer_handler(table: Table) -> Any:
    """The `customer.created` handler; runs inside the consumer's unit of work."""

    async def remember_customer(event: CloudEvent[Any], uow: HasSession) -> None:
        assert isinstance(event.data, CustomerCreated)
        await CustomerDirectory(table, uow.session).remember(event.data)

    return remember_customer


class CustomerProfileOut(BaseModel):
    id: str
    email: str
    name: str
    timezone: str
    registered_at: datetime


def customer_profiles_router(
    table: Table, sessions: async_sessionmaker[AsyncSession], keys: ApiKeys
) -> APIRouter:
    router = APIRouter(prefix="/v1/customers", tags=["customers"])

    @router.get("/{customer_id}", dependencies=[Depends(keys.require("admin"))])
    async def get_customer(customer_id: str) -> CustomerProfileOut:
        async with sessions() as session:
            profile = await CustomerDirectory(table, session).get(customer_id)
        if profile is None:
            raise ApiError(404, "not_found", f"no customer {customer_id} known here", "customer_id")
        return CustomerProfileOut(**profile.__dict__)

    return router
