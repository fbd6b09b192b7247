"""The customer profiles in the service's database."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.billing import CustomerCreated
from shared.customers.profiles import CustomerProfile
from shared.db.upsert import upsert


class CustomerDirectory:
    def __init__(self, table: Table, session: AsyncSession) -> None:
        self.table = table
        self.session = session

    async def get(self, customer_id: str) -> CustomerProfile | None:
        row = (await self.session.execute(select(self.table).where(self.table.c.id == customer_id))).first()
        return CustomerProfile(**row._mapping) if row else None

    async def remember(self, data: CustomerCreated) -> None:
        await upsert(self.session, self.table, asdict(CustomerProfile.of(data)), key=["id"])
