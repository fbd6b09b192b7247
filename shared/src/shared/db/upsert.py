"""INSERT … ON CONFLICT DO UPDATE on both SQLite and PostgreSQL, in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from shared.db.bulk import dialect_name


def insert_for(dialect: str, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


@cache
def _statement(table: Table, dialect: str, key: tuple[str, ...], columns: tuple[str, ...]) -> Insert:
    """Built once per shape: building it per row costs more than running it."""
    statement = insert_for(dialect, table)
    changes = {name: statement.excluded[name] for name in columns if name not in key}
    result: Insert = statement.on_conflict_do_update(index_elements=list(key), set_=changes)
    return result


async def upsert(
    db: AsyncConnection,
    table: Table,
    values: dict[str, Any],
    key: list[str],
    *,
    set_: Mapping[str, Any] | None = None,
) -> None:
    """Insert a row, or update the row with the same `key` columns: to these values, or
    to `set_` (expressions over the stored row, such as a counter plus one)."""
    dialect = dialect_name(db)
    if set_ is None:
        await db.execute(_statement(table, dialect, tuple(key), tuple(values)), values)
        return
    statement = insert_for(dialect, table).on_conflict_do_update(index_elements=key, set_=dict(set_))
    await db.execute(statement, values)


async def upsert_many(
    db: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]], key: list[str]
) -> None:
    """`upsert` of each row, in the order given, in one round trip (an executemany of one
    statement built once per shape); the rows must name the same columns."""
    if rows:
        statement = _statement(table, dialect_name(db), tuple(key), tuple(rows[0]))
        await db.execute(statement, [dict(row) for row in rows])


@cache
def _adding(table: Table, dialect: str, key: str, column: str) -> Insert:
    """Insert the row, or add its `column` to the stored row's."""
    statement = insert_for(dialect, table)
    added = {column: table.c[column] + statement.excluded[column]}
    result: Insert = statement.on_conflict_do_update(index_elements=[key], set_=added)
    return result


async def add_to(
    db: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]], key: str, column: str
) -> None:
    """Add each row's `column` to the stored row with its `key` (a new key starts at it),
    in the order given, in one round trip."""
    if rows:
        await db.execute(_adding(table, dialect_name(db), key, column), [dict(row) for row in rows])
