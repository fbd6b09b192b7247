"""Repositories: load and store aggregates, and hand them to the unit of work."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.orm import customers
from billing.domain.customer import Customer
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]


class CustomerRepository:
    def __init__(self, session: AsyncSession, track: TrackFn) -> None:
        self.session = session
        self._track = track

    async def add(self, customer: Customer) -> None:
        await self.session.execute(
            insert(customers).values(
                id=customer.id,
                email=customer.email,
                name=customer.name,
                timezone=customer.timezone,
                created_at=customer.created_at,
            )
        )
        self._track(customer)

    async def get(self, customer_id: str) -> Customer | None:
        row = (await self.session.execute(select(customers).where(customers.c.id == customer_id))).first()
        if row is None:
            return None
        customer = Customer(row.id, row.email, row.name, row.timezone, row.created_at)
        self._track(customer)
        return customer
