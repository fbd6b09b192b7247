"""What the services' PostgreSQL connections spend per unit of work, and what they still
survive: a read-only look opens no transaction, and a connection the server ended while
it sat in the pool is replaced before anyone uses it, however recently it was returned
(the pool skips its round-trip check for a connection just given back).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import messaging
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.testing.databases import DatabaseFactory
from shared.testing.units_of_work import sql_unit_of_work
from shared.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    url: str
    returned: list[Any]
    """Every asyncpg connection the pool took back, from its first."""


@pytest.fixture
async def database(postgres_database: DatabaseFactory) -> AsyncIterator[Database]:
    url = await postgres_database.new("connections")
    engine = create_engine(url)
    returned = _pooled(engine)
    await upgrade(engine, "billing")
    yield Database(engine, url.replace("postgresql+asyncpg://", "postgresql://"), returned)
    await engine.dispose()


def _work(engine: AsyncEngine) -> SqlUnitOfWork:
    return sql_unit_of_work(engine, messaging, T0)


def _pooled(engine: AsyncEngine) -> list[Any]:
    """The asyncpg connections the pool has taken back, as they come back."""
    seen: list[Any] = []
    event.listen(engine.sync_engine, "checkin", lambda dbapi, _record: seen.append(dbapi._connection))
    return seen


async def _until_closed(connections: list[Any], timeout_s: float = 30.0) -> None:
    """Until asyncpg has read the server's goodbye on each: the case under test is a
    connection the client knows is closed, however loaded the machine."""
    async with asyncio.timeout(timeout_s):
        while not all(connection.is_closed() for connection in connections):
            await asyncio.sleep(0.01)


async def _backend(work: SqlUnitOfWork) -> int:
    return int((await work.connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_read_only_look_holds_no_transaction_open(database: Database) -> None:
    engine, url = database.engine, database.url
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
    database: Database, read_only: bool
) -> None:
    engine, url = database.engine, database.url
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
    await _until_closed(database.returned)
    work = _work(engine)
    async with work.read_only() if read_only else work:
        assert await _backend(work) not in ended
