"""Reads by one column's value reuse one statement, so SQLAlchemy's cache key for it is
worked out once; what the statement says is checked here, what it reads by the
repository contract tests."""

from typing import Any

from sqlalchemy import Column, Dialect, MetaData, Select, String, Table
from sqlalchemy.dialects import postgresql, sqlite

from shared.db.lookups import VALUE, rows_where

things = Table("things", MetaData(), Column("id", String, primary_key=True), Column("owner", String))
POSTGRES, SQLITE = postgresql.asyncpg.dialect(), sqlite.aiosqlite.dialect()  # type: ignore[no-untyped-call]


def sql(statement: Select[Any], dialect: Dialect) -> str:
    return " ".join(str(statement.compile(dialect=dialect)).split())


def test_a_lookup_is_built_once_per_table_column_and_options() -> None:
    assert rows_where(things, "id") is rows_where(things, "id")
    assert rows_where(things, "id", lock=True) is not rows_where(things, "id")


def test_a_lookup_takes_its_value_as_its_one_parameter_and_locks_only_where_asked() -> None:
    by_owner = rows_where(things, "owner", order_by="id")
    assert list(by_owner.compile().params) == [VALUE]
    assert "WHERE things.owner = $1" in sql(by_owner, POSTGRES)
    assert sql(by_owner, POSTGRES).endswith("ORDER BY things.id")
    assert sql(rows_where(things, "id", lock=True), POSTGRES).endswith("FOR UPDATE")
    assert "FOR UPDATE" not in sql(rows_where(things, "id", lock=True), SQLITE)
