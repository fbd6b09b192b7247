"""The subscription replica in the service's database.

Each rule of `SubscriptionReplica` is one conditional statement, so two consumers
applying facts about one subscription at once cannot interleave into an older state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from pause.adapters.orm import dunning_case_views, subscription_views
from pause.adapters.records import created_row, new_subscription_row, terms_values, view_from
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.repositories import CreatedFacts
from shared.db.upsert import insert_for
from shared.money import Money

v = subscription_views


def _newer(column: Any, sequence: int | None) -> ColumnElement[bool]:
    """Whether a fact with `sequence` is newer than the part it would change."""
    return true() if sequence is None else column < sequence


class SqlSubscriptionReplica:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self, table: Any) -> Any:
        return insert_for(self.session.get_bind().dialect.name, table)

    async def _set(self, subscription_id: str, *where: Any, **values: Any) -> None:
        await self.session.execute(update(v).where(v.c.id == subscription_id, *where).values(**values))

    async def get(self, subscription_id: str) -> SubscriptionView | None:
        row = (await self.session.execute(select(v).where(v.c.id == subscription_id))).first()
        return view_from(row._mapping) if row else None

    async def of_customer(self, customer_id: str) -> list[SubscriptionView]:
        rows = await self.session.execute(
            select(v).where(v.c.customer_id == customer_id).order_by(v.c.current_period_start)
        )
        return [view for row in rows if (view := view_from(row._mapping)) is not None]

    async def heard_of(self, subscription_id: str, customer_id: str) -> None:
        row = new_subscription_row(subscription_id, customer_id)
        await self.session.execute(self._insert(v).values(**row).on_conflict_do_nothing())

    async def first_heard(self, subscription_id: str, customer_id: str, facts: CreatedFacts) -> bool:
        """One statement where five would be: the common case, created before anything else."""
        row = created_row(subscription_id, customer_id, facts)
        statement = self._insert(v).values(**row).on_conflict_do_nothing().returning(v.c.id)
        return (await self.session.execute(statement)).first() is not None

    async def set_terms(
        self,
        subscription_id: str,
        plan_code: str,
        price: Money,
        beach_fee: Money | None,
        plan_name: str | None = None,
    ) -> None:
        await self._set(subscription_id, **terms_values(plan_code, price, beach_fee, plan_name))

    async def set_plan(self, subscription_id: str, plan_code: str) -> None:
        await self._set(subscription_id, plan_code=plan_code)

    async def set_status(self, subscription_id: str, status: str, sequence: int | None) -> None:
        values: dict[str, Any] = {"status": status}
        if sequence is not None:
            values["status_sequence"] = sequence
        await self._set(subscription_id, _newer(v.c.status_sequence, sequence), **values)
        await self._paid_up(subscription_id)

    async def _paid_up(self, subscription_id: str) -> None:
        """A past-due status older than the newest paid invoice is over: active again."""
        await self._set(
            subscription_id,
            v.c.status == "past_due",
            v.c.paid_sequence > v.c.status_sequence,
            status="active",
            status_sequence=v.c.paid_sequence,
        )

    async def set_period(
        self, subscription_id: str, start: datetime, end: datetime, sequence: int | None
    ) -> None:
        values: dict[str, Any] = {"current_period_start": start, "current_period_end": end}
        if sequence is not None:
            values["period_sequence"] = sequence
        await self._set(subscription_id, _newer(v.c.period_sequence, sequence), **values)

    async def invoice_paid(self, subscription_id: str, sequence: int | None) -> None:
        paid = sequence if sequence is not None else v.c.status_sequence + 1
        await self._set(subscription_id, v.c.paid_sequence < paid, paid_sequence=paid)
        await self._paid_up(subscription_id)

    async def dunning_case(
        self, subscription_id: str, case_id: str, *, offered: bool = False, closed: bool = False
    ) -> None:
        c = dunning_case_views
        moved = {name: True for name, flag in (("offered", offered), ("closed", closed)) if flag}
        row = {"case_id": case_id, "subscription_id": subscription_id, "offered": False, "closed": False}
        statement = self._insert(c).values(**row | moved)
        if moved:
            statement = statement.on_conflict_do_update(index_elements=[c.c.case_id], set_=moved)
        else:
            statement = statement.on_conflict_do_nothing()
        await self.session.execute(statement)
        mine = c.c.subscription_id == subscription_id
        still_open = exists(select(c.c.case_id).where(mine, ~c.c.closed))
        offer_open = exists(select(c.c.case_id).where(and_(mine, c.c.offered, ~c.c.closed)))
        await self._set(subscription_id, open_dunning_case=still_open, dunning_offer_open=offer_open)

    async def open_case_of(self, customer_id: str) -> str | None:
        c, v = dunning_case_views, subscription_views
        query = (
            select(c.c.case_id)
            .join(v, v.c.id == c.c.subscription_id)
            .where(v.c.customer_id == customer_id, ~c.c.closed)
            .order_by(c.c.case_id)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar()
