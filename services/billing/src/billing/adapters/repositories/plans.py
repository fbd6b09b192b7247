"""Plans: immutable once defined."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from billing.adapters.orm import plans
from billing.adapters.repositories.base import _money, _money_columns, _Repository
from billing.domain.plan import Plan


class SqlPlanRepository(_Repository):
    async def add(self, plan: Plan, now: datetime) -> None:
        await self.connection.execute(
            insert(plans).values(
                code=plan.code,
                name=plan.name,
                interval=plan.interval,
                created_at=now,
                **_money_columns("price", plan.price),
                **_money_columns("beach_fee", plan.beach_fee),
            )
        )

    async def get(self, code: str) -> Plan | None:
        row = await self._one(plans, plans.c.code == code)
        if row is None:
            return None
        return Plan(row.code, row.name, _money(row, "price"), row.interval, _money(row, "beach_fee"))
