"""SQLite calls run on the event loop's thread, and a lock held elsewhere is waited for in asyncio."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import engine as engines
from shared.db.engine import create_engine, reading

rows = Table("rows", MetaData(), Column("n", Integer, primary_key=True))


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "inline.db"
    engine = create_engine(f"sqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(rows.metadata.create_all)
    await engine.dispose()
    return path


@pytest.fixture
def other_process(database: Path) -> Iterator[sqlite3.Connection]:
    """Another writer of the same file, as a relay run on its own or a migration would be."""
    conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    yield conn
    conn.close()


async def count(engine: AsyncEngine) -> int:
    async with reading(engine) as conn:
        return int((await conn.execute(select(func.count()).select_from(rows))).scalar_one())


async def test_statements_run_on_the_event_loops_thread(database: Path) -> None:
    engine = create_engine(f"sqlite:///{database}")
    threads: set[int] = set()

    @event.listens_for(engine.sync_engine, "connect")
    def _register(dbapi_connection: object, _record: object) -> None:
        def seen(n: int) -> int:
            threads.add(threading.get_ident())
            return n

        dbapi_connection.create_function("seen", 1, seen)  # type: ignore[attr-defined]

    async with engine.begin() as conn:
        await conn.execute(insert(rows).values(n=func.seen(7)))
    await engine.dispose()
    assert threads == {threading.get_ident()}


async def test_a_writer_waits_in_asyncio_while_another_process_holds_the_lock(
    database: Path, other_process: sqlite3.Connection
) -> None:
    engine = create_engine(f"sqlite:///{database}")
    other_process.execute("BEGIN IMMEDIATE")
    other_process.execute("INSERT INTO rows (n) VALUES (1)")
    ticks = 0

    async def meanwhile() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(rows).values(n=2))

    ticker = asyncio.create_task(meanwhile())
    asyncio.get_running_loop().call_later(0.3, other_process.execute, "COMMIT")
    try:
        await asyncio.wait_for(write(), timeout=5)
    finally:
        ticker.cancel()
    assert await count(engine) == 2
    assert ticks >= 10, "the event loop stood still while the writer waited"
    await engine.dispose()


async def test_a_writer_kept_out_past_the_busy_timeout_is_told_the_database_is_locked(
    database: Path, other_process: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "BUSY_SECONDS", 0.2)
    engine = create_engine(f"sqlite:///{database}")
    other_process.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as conn:
                await conn.execute(insert(rows).values(n=1))
        assert await count(engine) == 0  # a reader is not kept out
    finally:
        other_process.execute("ROLLBACK")
    async with engine.begin() as conn:
        await conn.execute(insert(rows).values(n=1))
    assert await count(engine) == 1
    await engine.dispose()
