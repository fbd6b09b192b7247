"""Shared by billing's repositories: rows to domain objects by hand, guarded updates, locks.

Rows and domain objects are translated by hand so the domain stays free of the ORM.
Subscriptions carry a version, and payment attempts change only while pending: a save
that lost a race raises instead of overwriting another process's change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, Literal

from sqlalchemy import (
    Column,
    ColumnElement,
    Row,
    Select,
    Table,
    Update,
    bindparam,
    column,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from billing.adapters.orm import invoices, payment_attempts
from billing.domain.invoice import InvoiceStatus
from billing.domain.payment import AttemptStatus
from shared.db.bulk import POSTGRES, among, dialect_name
from shared.db.lookups import VALUE, rows_where
from shared.failures import ConcurrentUpdate
from shared.money import Money
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]

Guard = Literal["attempt pending", "invoice open"]
"""A condition on the stored row, by name (`_GUARDS`): one an update needs to still hold,
or one rows are read by. Statements are cached by the name, never by a clause object: a
clause built afresh for each call would be a new cache key every time, and would fill the
cache without ever hitting it."""

_GUARDS: Mapping[Guard, ColumnElement[bool]] = {
    "attempt pending": payment_attempts.c.status == AttemptStatus.PENDING.value,
    "invoice open": invoices.c.status == InvoiceStatus.OPEN.value,
}


def _guards(guard: Guard | None) -> tuple[ColumnElement[bool], ...]:
    return (_GUARDS[guard],) if guard else ()


@lru_cache(maxsize=4096)
def money_of(amount: int, currency: str) -> Money:
    """An amount read from a row. Money is immutable and a batch's rows repeat a handful of
    prices, so each is validated once and shared: validating every row's amounts again
    was a tenth of settling a charge."""
    return Money.of(amount, currency)


def _money(row: Row[Any], prefix: str) -> Money:
    return money_of(getattr(row, f"{prefix}_amount"), getattr(row, f"{prefix}_currency"))


def _money_columns(prefix: str, money: Money) -> dict[str, object]:
    return {f"{prefix}_amount": money.amount, f"{prefix}_currency": money.currency}


def _as_dicts(rows: Iterable[Row[Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """Rows as dictionaries, with the result's column names taken once: `row._mapping`
    builds its key view again for every row, which cost more than the row's values."""
    return [dict(zip(keys, row, strict=True)) for row in rows]


@cache
def _select_among(
    table: Table, column_name: str, dialect: str, lock: bool, guard: Guard | None, order_by: str | None
) -> Select[Any]:
    """Whole rows whose `column_name` is among the parameter `ids` and that meet `guard`:
    built and compiled once. Locked rows come in primary-key order, so two batches cannot
    deadlock; others in `order_by`'s, when given."""
    query = select(table).where(among(table.c[column_name], "ids", dialect), *_guards(guard))
    if lock:
        return query.order_by(*table.primary_key.columns).with_for_update()
    return query.order_by(table.c[order_by]) if order_by else query


@lru_cache(maxsize=64)
def _update_statement(
    table: Table,
    keys: tuple[str, ...],
    matching: tuple[tuple[str, Column[Any]], ...],
    guard: Guard | None,
) -> Update:
    """`UPDATE … FROM unnest(one array per column) RETURNING id`, built once per shape: the
    table and its columns are the schema's own objects, and the guard is named."""
    match = dict(matching)
    types = {key: match[key].type if key in match else table.c[key].type for key in keys}
    arrays = [bindparam(f"{key}_each", type_=ARRAY(types[key])) for key in keys]
    values = func.unnest(*arrays).table_valued(*(column(key, types[key]) for key in keys))
    changes = values.render_derived("changes")
    assignments = {key: changes.c[key] for key in keys if key not in match}
    guards = [stored == changes.c[key] for key, stored in matching]
    return update(table).values(assignments).where(*guards, *_guards(guard)).returning(table.c.id)


class _Repository:
    def __init__(self, connection: AsyncConnection, track: TrackFn) -> None:
        self.connection = connection
        self._track = track

    async def _update_many(
        self,
        table: Table,
        rows: list[dict[str, object]],
        what: str,
        *,
        matching: Mapping[str, Column[Any]],
        guard: Guard | None = None,
    ) -> None:
        """Write many rows with one guarded statement; raise if any row's guard did not hold.

        Each row says its new values and, under the keys of `matching`, what its row must
        still hold (its id, its version); `guard` names a condition on the stored row (an
        attempt still pending). A renewal day saves thousands of rows per batch, so this is
        one statement per table: an executemany where the driver counts what it changed
        (SQLite), and on PostgreSQL, where asyncpg cannot, one `UPDATE … FROM unnest(…)
        RETURNING` whose returned rows are counted.
        """
        if dialect_name(self.connection) == POSTGRES and len(rows) > 1:
            changed = await self._update_from_values(table, rows, matching, guard)
        else:
            guards = [column == bindparam(key) for key, column in matching.items()]
            result = await self.connection.execute(update(table).where(*guards, *_guards(guard)), rows)
            changed = result.rowcount
        if changed != len(rows):
            named = rows[0][next(iter(matching))] if len(rows) == 1 else f"in a batch of {len(rows)}"
            raise ConcurrentUpdate(f"{what} {named} changed concurrently")

    async def _update_from_values(
        self,
        table: Table,
        rows: list[dict[str, object]],
        matching: Mapping[str, Column[Any]],
        guard: Guard | None,
    ) -> int:
        """`UPDATE … FROM unnest(one array per column) RETURNING`: the statement has the same
        shape for any number of rows, so it is built and compiled once (`_update_statement`);
        a `VALUES` list of the batch's rows was compiled again for every batch, one bound
        parameter per cell, which cost more CPU than the database spent on the update."""
        keys = tuple(rows[0])
        statement = _update_statement(table, keys, tuple(matching.items()), guard)
        arrays = {f"{key}_each": [row[key] for row in rows] for key in keys}
        return len((await self.connection.execute(statement, arrays)).all())

    async def _among(
        self,
        table: Table,
        column_name: str,
        values: Collection[str],
        *,
        lock: bool = False,
        guard: Guard | None = None,
        order_by: str | None = None,
    ) -> list[dict[str, Any]]:
        """The rows whose `column_name` is one of `values` and that meet `guard`, as
        dictionaries; with `lock`, locked in primary-key order so two batches cannot
        deadlock, else in `order_by`'s. One statement for any number of values
        (`shared.db.bulk.among`)."""
        if not values:
            return []
        statement = _select_among(table, column_name, dialect_name(self.connection), lock, guard, order_by)
        result = await self.connection.execute(statement, {"ids": list(values)})
        return _as_dicts(result, list(result.keys()))

    async def _by(self, table: Table, column_name: str, value: str, *, lock: bool = False) -> Row[Any] | None:
        """The row whose `column_name` is `value` (a key), by a statement built once."""
        result = await self.connection.execute(rows_where(table, column_name, lock=lock), {VALUE: value})
        row: Row[Any] | None = result.first()
        return row

    async def _one(self, table: Table, *where: Any, lock: bool = False) -> Row[Any] | None:
        query = select(table).where(*where)
        if lock:
            query = query.with_for_update()
        return (await self.connection.execute(query)).first()

    async def _rows(self, table: Table, *where: Any, lock: bool = False) -> list[Row[Any]]:
        """Many rows at once; locked in primary-key order so two batches cannot deadlock."""
        query = select(table).where(*where)
        if lock:
            query = query.order_by(*table.primary_key.columns).with_for_update()
        return list(await self.connection.execute(query))
