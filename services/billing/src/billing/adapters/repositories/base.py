"""Shared by billing's repositories: rows to domain objects by hand, guarded updates, locks.

Rows and domain objects are translated by hand so the domain stays free of the ORM.
Subscriptions carry a version, and payment attempts change only while pending: a save
that lost a race raises instead of overwriting another process's change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, Table, Update, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.failures import ConcurrentUpdate
from shared.money import Money
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]


def _money(row: Row[Any], prefix: str) -> Money:
    return Money.of(getattr(row, f"{prefix}_amount"), getattr(row, f"{prefix}_currency"))


def _money_columns(prefix: str, money: Money) -> dict[str, object]:
    return {f"{prefix}_amount": money.amount, f"{prefix}_currency": money.currency}


class _Repository:
    def __init__(self, session: AsyncSession, track: TrackFn) -> None:
        self.session = session
        self._track = track

    async def _update_many(self, statement: Update, rows: list[dict[str, object]], what: str) -> None:
        """One executemany of a guarded update; raises if any row's guard did not hold.

        Where the driver cannot count the rows an executemany changed, each row is
        written and counted on its own.
        """
        counts_many = self.session.get_bind().dialect.supports_sane_multi_rowcount
        for batch in [rows] if len(rows) == 1 or counts_many else [[row] for row in rows]:
            result = await self.session.execute(statement, batch)
            if result.rowcount != len(batch):  # type: ignore[attr-defined]
                named = batch[0]["match_id"] if len(batch) == 1 else f"in a batch of {len(batch)}"
                raise ConcurrentUpdate(f"{what} {named} changed concurrently")

    async def _one(self, table: Table, *where: Any, lock: bool = False) -> Row[Any] | None:
        query = select(table).where(*where)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).first()

    async def _rows(self, table: Table, *where: Any, lock: bool = False) -> list[Row[Any]]:
        """Many rows at once; locked in primary-key order so two batches cannot deadlock."""
        query = select(table).where(*where)
        if lock:
            query = query.order_by(*table.primary_key.columns).with_for_update()
        return list(await self.session.execute(query))
