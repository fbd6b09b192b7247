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
from shared.db.upsert import upsert_many


@cache
def _profiles_of(table: Table, dialect: str) -> Select[Any]:
    return select(table).where(among(table.c.id, "customer_ids", dialect))


class CustomerDirectory:
    def __init__(self, table: Table, connection: AsyncConnection) -> None:
        self.table = table
        self.connection = connection
        self._profiles: ReadAhead[str, CustomerProfile] = ReadAhead()
        self._waiting: dict[str, CustomerProfile] = {}
        """Profiles remembered and not yet written, by customer: the latest wins."""

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
        """Keep the profile; it is written at `flush`, with the rest of the batch's.

        A consumer's batch of new customers was one upsert round trip per customer. The
        profile is answered from memory until then, and nothing reads this table in SQL
        inside a consumer's transaction (no join names it)."""
        profile = CustomerProfile.of(data)
        self._profiles.put(data.customer_id, profile)
        self._waiting[data.customer_id] = profile

    async def flush(self) -> None:
        """Write the waiting profiles in one statement; the unit of work calls this at its
        commit."""
        if self._waiting:
            waiting, self._waiting = self._waiting, {}
            await upsert_many(self.connection, self.table, [asdict(p) for p in waiting.values()], key=["id"])
