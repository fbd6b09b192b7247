"""Each service's Alembic tree builds exactly the schema its code declares."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.testing.databases import DatabaseFactory


@pytest.mark.parametrize("service", ["billing", "dunning", "pause"])
async def test_migrations_match_the_tables_in_code(service: str, each_database: DatabaseFactory) -> None:
    metadata = importlib.import_module(f"{service}.adapters.orm").metadata
    engine = create_engine(await each_database.new(service))
    await upgrade(engine, service)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        diff = await conn.run_sync(differences)
    await engine.dispose()
    assert diff == []


async def test_migrating_twice_changes_nothing(each_database: DatabaseFactory) -> None:
    engine = create_engine(await each_database.new("twice"))

    async def schema() -> tuple[list[str], list[str]]:
        async with engine.connect() as conn:
            version = [row[0] for row in await conn.execute(text("SELECT version_num FROM alembic_version"))]
            tables = await conn.run_sync(lambda sync: sorted(inspect(sync).get_table_names()))
        return version, tables

    await upgrade(engine, "billing")
    first = await schema()
    await upgrade(engine, "billing")
    second = await schema()
    await engine.dispose()

    assert first == second
    assert len(first[0]) == 1, "one head revision"
    assert "subscriptions" in first[1]
