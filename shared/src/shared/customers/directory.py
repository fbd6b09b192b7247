"""The customer profiles in the service's database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contracts.billing import CustomerCreated
from shared.customers.profiles import CustomerProfile
from shared.db.bulk import among, dialect_name
from shared.db.lookups import VALUE, rows_where
from shared.db.read_ahead import ReadAhead
from shared.db.upsert import upsert


@cache
def _profiles_of(table: Table, dialect: str) -> Select[Any]:
    return select(table).where(among(table.c.id, "customer_ids", dialect))


class CustomerDirectory:
    def __init__(self, table: Table, connection: AsyncConnection) -> None:
        self.table = table
        self.connection = connection
        self._profiles: ReadAhead[str, CustomerProfile] = ReadAhead()

    async def read_ahead(self, customer_ids: Iterable[str]) -> None:
        wanted = self._profiles.unknown(customer_ids)
        if wanted:
            query = _profiles_of(self.table, dialect_name(self.connection))
            found = await self.connection.execute(query, {"customer_ids": wanted})
            self._profiles.learn(wanted, {row.id: CustomerProfile(**row._mapping) for row in found})

    async def get(self, customer_id: str) -> CustomerProfile | None:
        if self._profiles.knows(customer_id):
            return self._profiles.get(customer_id)
        row = (await self.connection.execute(rows_where(self.table, "id"), {VALUE: customer_id})).first()
        return CustomerProfile(**row._mapping) if row else None

    async def remember(self, data: CustomerCreated) -> None:
        self._profiles.put(data.customer_id, CustomerProfile.of(data))
        await upsert(self.connection, self.table, asdict(CustomerProfile.of(data)), key=["id"])
