"""INSERT … ON CONFLICT DO UPDATE on both SQLite and PostgreSQL, in one statement."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


@cache
def _statement(table: Table, dialect: str, key: tuple[str, ...], columns: tuple[str, ...]) -> Insert:
    """Built once per shape: building it per row costs more than running it."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table)
    changes = {name: statement.excluded[name] for name in columns if name not in key}
    result: Insert = statement.on_conflict_do_update(index_elements=list(key), set_=changes)
    return result


async def upsert(session: AsyncSession, table: Table, values: dict[str, Any], key: list[str]) -> None:
    """Insert a row, or update the row with the same `key` columns to these values."""
    dialect = session.get_bind().dialect.name
    await session.execute(_statement(table, dialect, tuple(key), tuple(values)), values)
