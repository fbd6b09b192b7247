"""SQLite writers in one process queue for their turn in asyncio, not in SQLite's busy handler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import engine as engines
from shared.db.engine import create_engine, reading

rows = Table("rows", MetaData(), Column("n", Integer, primary_key=True))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path}/gate.db")
    async with engine.begin() as conn:
        await conn.run_sync(rows.metadata.create_all)
    yield engine
    await engine.dispose()


async def count(engine: AsyncEngine) -> int:
    async with reading(engine) as conn:
        return int((await conn.execute(select(func.count()).select_from(rows))).scalar_one())


async def test_many_writers_at_once_each_commit_one_at_a_time(engine: AsyncEngine) -> None:
    inside, most_inside = 0, 0

    async def write(n: int) -> None:
        nonlocal inside, most_inside
        async with engine.begin() as conn:
            await conn.execute(insert(rows).values(n=n))
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.005)  # hold the turn across an await, as a request does
            inside -= 1

    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(30))), timeout=20)
    assert await count(engine) == 30
    assert most_inside == 1


async def test_a_connection_that_writes_twice_in_one_checkout_does_not_wait_for_itself(
    engine: AsyncEngine,
) -> None:
    async def twice() -> None:
        async with engine.connect() as conn:
            await conn.execute(insert(rows).values(n=1))
            await conn.commit()
            await conn.execute(insert(rows).values(n=2))
            await conn.commit()

    await asyncio.wait_for(twice(), timeout=5)
    assert await count(engine) == 2


async def test_a_writer_that_fails_hands_its_turn_to_the_next(engine: AsyncEngine) -> None:
    async def failing_writer() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(rows).values(n=1))
            raise RuntimeError("changed its mind")

    with pytest.raises(RuntimeError, match="changed its mind"):
        await failing_writer()

    async def next_writer() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(rows).values(n=2))

    await asyncio.wait_for(next_writer(), timeout=5)
    assert await count(engine) == 1


async def test_a_writer_kept_waiting_past_the_busy_timeout_is_told_why(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "BUSY_SECONDS", 0.2)
    async with engine.begin() as holder:
        await holder.execute(insert(rows).values(n=1))
        with pytest.raises(TimeoutError, match="write lock"):
            async with engine.begin() as waiter:
                await waiter.execute(insert(rows).values(n=2))
        assert await count(engine) == 0  # a reader is not kept waiting by the holder
    assert await count(engine) == 1
