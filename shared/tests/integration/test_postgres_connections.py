"""What the services' PostgreSQL connections spend per unit of work, and what they still
survive: a read-only look opens no transaction, and a connection the server ended while
it sat in the pool is replaced before anyone uses it, however recently it was returned
(the pool skips its round-trip check for a connection just given back).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import messaging
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.testing.databases import DatabaseFactory
from shared.testing.units_of_work import sql_unit_of_work
from shared.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def database(postgres_database: DatabaseFactory) -> AsyncIterator[tuple[AsyncEngine, str]]:
    url = await postgres_database.new("connections")
    engine = create_engine(url)
    await upgrade(engine, "billing")
    yield engine, url.replace("postgresql+asyncpg://", "postgresql://")
    await engine.dispose()


def _work(engine: AsyncEngine) -> SqlUnitOfWork:
    return sql_unit_of_work(engine, messaging, T0)


async def _backend(work: SqlUnitOfWork) -> int:
    return int((await work.session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_read_only_look_holds_no_transaction_open(database: tuple[AsyncEngine, str]) -> None:
    engine, url = database
    observer = await asyncpg.connect(url)
    try:
        async with _work(engine).read_only() as work:
            pid = await _backend(work)
            state = await observer.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
            assert state == "idle", "the look's connection sits in a transaction"
        async with _work(engine) as work:  # a writer still has its transaction
            pid = await _backend(work)
            state = await observer.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
            assert state == "idle in transaction"
    finally:
        await observer.close()


@pytest.mark.parametrize("read_only", [True, False])
async def test_a_connection_the_server_ended_just_after_it_was_returned_is_replaced(
    database: tuple[AsyncEngine, str], read_only: bool
) -> None:
    engine, url = database
    async with _work(engine).read_only() as work:
        await _backend(work)
    observer = await asyncpg.connect(url)
    try:
        ended = {
            row["pid"]
            for row in await observer.fetch(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        }
    finally:
        await observer.close()
    assert ended, "the pool kept no connection to end"
    await asyncio.sleep(0.2)  # the server's goodbye reaches the client's event loop
    work = _work(engine)
    async with work.read_only() if read_only else work:
        assert await _backend(work) not in ended
