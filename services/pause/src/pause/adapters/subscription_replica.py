"""The subscription replica in the service's database.

Each rule of `SubscriptionReplica` is one conditional statement, so two consumers
applying facts about one subscription at once cannot interleave into an older state.

On PostgreSQL a batch's renewals and paid invoices wait too: each subscription's new
period, plan and paid invoice go out with the batch's others, in one
`UPDATE … FROM unnest(…)` per kind that keeps each row's own condition (a period only
over an older one). A renewal day's `subscription.renewed` and `invoice.paid` were two
statements each. Any other statement about a subscription with a write waiting, and any
read, writes the waiting ones first, so each rule still sees what the facts before it
left; a second write of one kind for one subscription in a batch does too.

A consumer's batch reads ahead which of its subscriptions already have a row. Then a
fact about a known subscription costs no `heard_of` statement, and the rows of
subscriptions first heard of through `subscription.created` wait and go in together, in
one statement, before any statement about them and at the latest when the transaction
commits. Another transaction may give one of them a row in between (pause's other
consumer, another replica after a rebalance); then the batch raises `ConcurrentUpdate`
and comes again, and its reading ahead finds that row, so each fact follows its own rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pause.adapters.orm import dunning_case_views, subscription_views
from pause.adapters.records import created_row, new_subscription_row, terms_values, view_from
from pause.adapters.replica_batch import PAID, PERIOD, PLAN, later_statement
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.repositories import CreatedFacts
from shared.db.bulk import POSTGRES, among, arrays_of, dialect_name, insert_absent
from shared.db.lookups import VALUE, rows_where
from shared.db.read_ahead import ReadAhead
from shared.db.upsert import insert_for
from shared.failures import ConcurrentUpdate
from shared.money import Money

v = subscription_views


@cache
def _existing(dialect: str) -> Select[Any]:
    return select(v.c.id).where(among(v.c.id, "ids", dialect))


def _newer(column: Any, sequence: int | None) -> ColumnElement[bool]:
    """Whether a fact with `sequence` is newer than the part it would change."""
    return true() if sequence is None else column < sequence


class SqlSubscriptionReplica:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._has_row: ReadAhead[str, bool] = ReadAhead()  # absent: known to have none
        self._new: dict[str, dict[str, Any]] = {}  # first heard in this batch, not inserted yet
        self._later: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {PERIOD: {}, PLAN: {}, PAID: {}}
        """Periods, plans and paid invoices waiting, by kind and subscription."""
        self._batched = dialect_name(connection) == POSTGRES
        """Whether those wait for the batch's write (`replica_batch` is PostgreSQL's)."""

    def _insert(self, table: Any) -> Any:
        return insert_for(self.connection.dialect.name, table)

    async def read_ahead(self, subscription_ids: Iterable[str]) -> None:
        wanted = self._has_row.unknown(subscription_ids)
        if wanted:
            found = await self.connection.execute(_existing(dialect_name(self.connection)), {"ids": wanted})
            self._has_row.learn(wanted, {row.id: True for row in found})

    async def flush(self) -> None:
        """Insert the rows waiting, then write the periods, plans and paid invoices
        waiting; raise if another transaction gave one of the new rows a row first."""
        if self._new:
            new, self._new = self._new, {}
            inserted = await insert_absent(self.connection, v, list(new.values()), "id")
            if len(inserted) != len(new):
                taken = sorted(set(new) - inserted)[:5]
                raise ConcurrentUpdate(f"subscriptions heard of by another transaction meanwhile: {taken}")
        for kind, waiting in self._later.items():
            if waiting:
                rows, self._later[kind] = list(waiting.values()), {}
                await self.connection.execute(later_statement(kind), arrays_of(rows, kind))

    def _waits(self, subscription_id: str) -> bool:
        return subscription_id in self._new or any(subscription_id in w for w in self._later.values())

    async def _set(self, subscription_id: str, *where: Any, **values: Any) -> None:
        if self._waits(subscription_id):
            await self.flush()
        await self.connection.execute(update(v).where(v.c.id == subscription_id, *where).values(**values))

    async def _set_later(self, kind: tuple[str, ...], row: dict[str, Any]) -> None:
        if row["id"] in self._later[kind]:
            await self.flush()
        self._later[kind][row["id"]] = row

    async def get(self, subscription_id: str) -> SubscriptionView | None:
        await self.flush()
        row = (await self.connection.execute(rows_where(v, "id"), {VALUE: subscription_id})).first()
        return view_from(row._mapping) if row else None

    async def of_customer(self, customer_id: str) -> list[SubscriptionView]:
        await self.flush()
        rows = await self.connection.execute(
            select(v).where(v.c.customer_id == customer_id).order_by(v.c.current_period_start)
        )
        return [view for row in rows if (view := view_from(row._mapping)) is not None]

    async def heard_of(self, subscription_id: str, customer_id: str) -> None:
        if self._has_row.knows(subscription_id) and self._has_row.get(subscription_id):
            return
        row = new_subscription_row(subscription_id, customer_id)
        await self.connection.execute(self._insert(v).values(**row).on_conflict_do_nothing())
        if self._has_row.knows(subscription_id):
            self._has_row.put(subscription_id, True)

    async def first_heard(self, subscription_id: str, customer_id: str, facts: CreatedFacts) -> bool:
        """One statement where five would be: the common case, created before anything else.
        Read ahead, no statement of its own: known to have a row, False; known to have
        none, the row waits for the batch's insert."""
        row = created_row(subscription_id, customer_id, facts)
        if self._has_row.knows(subscription_id):
            if self._has_row.get(subscription_id):
                return False
            self._new[subscription_id] = row
            self._has_row.put(subscription_id, True)
            return True
        statement = self._insert(v).values(**row).on_conflict_do_nothing().returning(v.c.id)
        return (await self.connection.execute(statement)).first() is not None

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
        if self._batched:
            await self._set_later(PLAN, {"id": subscription_id, "plan_code": plan_code})
            return
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
        if self._batched:
            await self._set_later(PERIOD, {"id": subscription_id, **values, "period_sequence": sequence})
            return
        if sequence is not None:
            values["period_sequence"] = sequence
        await self._set(subscription_id, _newer(v.c.period_sequence, sequence), **values)

    async def invoice_paid(self, subscription_id: str, sequence: int | None) -> None:
        if self._batched:
            await self._set_later(PAID, {"id": subscription_id, "paid_sequence": sequence})
            return
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
        await self.connection.execute(statement)
        mine = c.c.subscription_id == subscription_id
        still_open = exists(select(c.c.case_id).where(mine, ~c.c.closed))
        offer_open = exists(select(c.c.case_id).where(and_(mine, c.c.offered, ~c.c.closed)))
        await self._set(subscription_id, open_dunning_case=still_open, dunning_offer_open=offer_open)

    async def open_case_of(self, customer_id: str) -> str | None:
        await self.flush()
        c, v = dunning_case_views, subscription_views
        query = (
            select(c.c.case_id)
            .join(v, v.c.id == c.c.subscription_id)
            .where(v.c.customer_id == customer_id, ~c.c.closed)
            .order_by(c.c.case_id)
            .limit(1)
        )
        return (await self.connection.execute(query)).scalar()
