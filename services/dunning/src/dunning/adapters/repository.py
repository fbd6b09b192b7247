"""Storing dunning cases: filterable columns plus the case's timeline as JSON
(`dunning.adapters.case_rows`).

A case is written by the consumer (a payment, a new card) and by the scheduler (a
reminder, a retry), on every replica; its version makes a save that lost such a race
raise instead of overwriting the other writer's change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters.case_rows import case_of, case_row
from dunning.adapters.orm import dunning_cases
from dunning.domain.case import DunningCase
from dunning.domain.case_facts import CaseStatus
from shared.db.bulk import among, dialect_name, insert_rows
from shared.db.read_ahead import ReadAhead
from shared.failures import ConcurrentUpdate
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]


@cache
def _by_invoices(dialect: str) -> Select[Any]:
    return select(dunning_cases).where(among(dunning_cases.c.invoice_id, "invoice_ids", dialect))


@cache
def _with_open_cases(column: str, dialect: str) -> Select[Any]:
    t = dunning_cases
    return (
        select(t.c[column])
        .where(among(t.c[column], "ids", dialect), t.c.status == CaseStatus.OPEN.value)
        .distinct()
    )


class SqlCaseRepository:
    """New cases are inserted together, at the latest when the transaction commits or
    reads cases from the database; `by_invoice` answers from what `read_ahead` read."""

    def __init__(self, connection: AsyncConnection, track: TrackFn) -> None:
        self.connection, self._track = connection, track
        self._by_invoice: ReadAhead[str, Row[Any] | SimpleNamespace] = ReadAhead()
        self._new: list[dict[str, Any]] = []
        self._without_open_cases: set[tuple[str, str]] = set()
        """("customer_id" or "subscription_id", its value): known to have no open case
        (`read_ahead_open`)."""

    async def add(self, case: DunningCase, next_due_at: datetime | None) -> None:
        values = case_row(case, next_due_at)
        self._new.append(values)
        self._by_invoice.put(case.invoice_id, SimpleNamespace(**values))
        self._may_have_open_cases(case)
        self._track(case)

    async def flush(self) -> None:
        if self._new:
            new, self._new = self._new, []
            await insert_rows(self.connection, dunning_cases, new)

    async def read_ahead(self, invoice_ids: Iterable[str]) -> None:
        wanted = self._by_invoice.unknown(invoice_ids)
        if wanted:
            query = _by_invoices(dialect_name(self.connection))
            found = await self.connection.execute(query, {"invoice_ids": wanted})
            self._by_invoice.learn(wanted, {row.invoice_id: row for row in found})

    async def save(self, case: DunningCase, next_due_at: datetime | None) -> None:
        await self.flush()
        t = dunning_cases
        values = case_row(case, next_due_at) | {"version": case.version + 1}
        saved = await self.connection.execute(
            update(t).where(t.c.id == case.id, t.c.version == case.version).values(**values)
        )
        if saved.rowcount != 1:
            raise ConcurrentUpdate(f"dunning case {case.id} changed concurrently")
        case.version += 1
        self._by_invoice.forget(case.invoice_id)
        self._may_have_open_cases(case)
        self._track(case)

    async def read_ahead_open(self, *, customer_ids: Iterable[str], subscription_ids: Iterable[str]) -> None:
        """Which of a batch's customers and subscriptions have no open case, one statement
        each: a customer's new profile, a new card, a pause or a cancel is looked for in
        their open cases (`open_for`), and most have none. A case this transaction opens
        or saves makes `open_for` read again for its customer and subscription."""
        for column, values in (("customer_id", customer_ids), ("subscription_id", subscription_ids)):
            wanted = [v for v in dict.fromkeys(values) if (column, v) not in self._without_open_cases]
            if wanted:
                await self.flush()
                query = _with_open_cases(column, dialect_name(self.connection))
                having = set((await self.connection.execute(query, {"ids": wanted})).scalars())
                self._without_open_cases.update((column, v) for v in wanted if v not in having)

    def _may_have_open_cases(self, case: DunningCase) -> None:
        self._without_open_cases.discard(("customer_id", case.customer_id))
        self._without_open_cases.discard(("subscription_id", case.subscription_id))

    async def _many(self, *where: Any, limit: int = 1000, lock: bool = False) -> list[DunningCase]:
        await self.flush()
        query = select(dunning_cases).where(*where).order_by(dunning_cases.c.opened_at).limit(limit)
        if lock and self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = [case_of(row) for row in await self.connection.execute(query)]
        for case in found:
            self._track(case)
        return found

    async def by_invoice(self, invoice_id: str) -> DunningCase | None:
        """From what was read ahead, or read now the same way: one path for both."""
        if not self._by_invoice.knows(invoice_id):
            await self.read_ahead([invoice_id])
        row = self._by_invoice.get(invoice_id)
        if row is None:
            return None
        case = case_of(row)
        self._track(case)
        return case

    async def get(self, case_id: str) -> DunningCase | None:
        found = await self._many(dunning_cases.c.id == case_id)
        return found[0] if found else None

    async def open_for(
        self, *, subscription_id: str | None = None, customer_id: str | None = None
    ) -> list[DunningCase]:
        known_none = self._without_open_cases
        if ("customer_id", customer_id) in known_none or ("subscription_id", subscription_id) in known_none:
            return []
        where = [dunning_cases.c.status == CaseStatus.OPEN.value]
        if subscription_id:
            where.append(dunning_cases.c.subscription_id == subscription_id)
        if customer_id:
            where.append(dunning_cases.c.customer_id == customer_id)
        return await self._many(*where)

    async def due(self, now: datetime, limit: int, *, lock: bool = True) -> list[DunningCase]:
        """Open cases whose next moment has come; replicas skip each other's on PostgreSQL
        (`lock=False` for a look that changes nothing)."""
        return await self._many(
            dunning_cases.c.status == CaseStatus.OPEN.value,
            dunning_cases.c.next_due_at <= now,
            limit=limit,
            lock=lock,
        )

    async def retention_due(self, now: datetime, limit: int) -> list[DunningCase]:
        """Closed cases whose 30-day check has come (the column is cleared once done)."""
        return await self._many(dunning_cases.c.retention_check_at <= now, limit=limit, lock=True)

    async def next_due_at(self) -> datetime | None:
        """The earliest moment an open case or a 30-day check needs attention."""
        await self.flush()
        t = dunning_cases
        open_due = select(func.min(t.c.next_due_at)).where(t.c.status == CaseStatus.OPEN.value)
        check_due = select(func.min(t.c.retention_check_at))
        moments = [(await self.connection.execute(q)).scalar_one() for q in (open_due, check_due)]
        return min((m for m in moments if m is not None), default=None)

    async def count_due(self, now: datetime) -> int:
        await self.flush()
        t = dunning_cases
        open_due = select(func.count()).where(t.c.status == CaseStatus.OPEN.value, t.c.next_due_at <= now)
        check_due = select(func.count()).where(t.c.retention_check_at <= now)
        counts = [(await self.connection.execute(q)).scalar_one() for q in (open_due, check_due)]
        return sum(int(count) for count in counts)
