"""Statements over many rows whose SQL does not grow with how many: one array per column.

A consumer's batch looks up and writes hundreds of rows at once. Written the usual way
(`IN (:v1, …, :vN)`, one `VALUES` row per item) the statement's text grows with the
batch, so SQLAlchemy renders it again for every batch, one bound parameter at a time,
and PostgreSQL parses and plans it again: on a consumer that cost more CPU than the
database spent on the rows. On PostgreSQL these statements take one array per column
instead (`= ANY(:ids)`, `SELECT … FROM unnest(:a, :b, …)`), so each is built and compiled
once and prepared once per connection; SQLite has no arrays and gets the usual
statements (an expanding `IN`, an executemany), with the same results.

The statements are built once per table, columns and dialect and take their values at
execution, under the names `name` (for `among`) and `<column>_each` (for `rows_of`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, any_, bindparam, column, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

POSTGRES = "postgresql"


def dialect_name(db: AsyncConnection) -> str:
    return db.dialect.name


def among(value: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`value IN (the list given as parameter `name`)`: on PostgreSQL `= ANY(array)`."""
    if dialect == POSTGRES:
        return value == any_(bindparam(name, type_=ARRAY(value.type)))
    return value.in_(bindparam(name, expanding=True))


def each(name: str) -> str:
    """The parameter that carries column `name`'s values in `rows_of`."""
    return f"{name}_each"


def rows_of(table: Table, columns: Sequence[str]) -> Select[Any]:
    """PostgreSQL: the rows given as one array per column (parameters `<column>_each`),
    in the order given (`WITH ORDINALITY`: an insert numbers them in that order)."""
    types = {name: table.c[name].type for name in columns}
    arrays = [bindparam(each(name), type_=ARRAY(types[name])) for name in columns]
    given = (
        func.unnest(*arrays)
        .table_valued(*(column(name, types[name]) for name in columns), with_ordinality="position")
        .render_derived("given")
    )
    return select(*(given.c[name] for name in columns)).order_by(given.c.position)


def arrays_of(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    """The execution parameters of `rows_of`: each column's values, row by row."""
    return {each(name): [row[name] for row in rows] for name in columns}


@cache
def _insert(table: Table, columns: tuple[str, ...]) -> Any:
    return insert(table).from_select(list(columns), rows_of(table, columns))


async def insert_rows(db: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` in the order given: one statement on PostgreSQL, an executemany on
    SQLite; rows that name other columns than the row before them start another one."""
    postgres = dialect_name(db) == POSTGRES
    for columns, run in _runs(rows):
        if postgres and len(run) > 1:
            await db.execute(_insert(table, columns), arrays_of(run, columns))
        else:
            await db.execute(insert(table), list(run))


@cache
def _insert_absent(table: Table, columns: tuple[str, ...], key: str) -> Any:
    statement = postgresql.insert(table).from_select(list(columns), rows_of(table, columns))
    return statement.on_conflict_do_nothing().returning(table.c[key])


async def insert_absent(
    db: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]], key: str
) -> set[Any]:
    """Insert the `rows` that conflict with none already there; the `key`s of those
    inserted. One statement on PostgreSQL; one per row on SQLite."""
    postgres = dialect_name(db) == POSTGRES
    inserted: set[Any] = set()
    for columns, run in _runs(rows):
        if postgres:
            found = await db.execute(_insert_absent(table, columns, key), arrays_of(run, columns))
            inserted.update(found.scalars())
            continue
        for row in run:
            statement = sqlite.insert(table).values(**row).on_conflict_do_nothing().returning(table.c[key])
            inserted.update((await db.execute(statement)).scalars())
    return inserted


def _runs(rows: Sequence[Mapping[str, Any]]) -> list[tuple[tuple[str, ...], list[Mapping[str, Any]]]]:
    """Consecutive rows naming the same columns, with those columns."""
    runs: list[tuple[tuple[str, ...], list[Mapping[str, Any]]]] = []
    for row in rows:
        columns = tuple(row)
        if runs and runs[-1][0] == columns:
            runs[-1][1].append(row)
        else:
            runs.append((columns, [row]))
    return runs
