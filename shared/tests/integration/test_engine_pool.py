"""The connection pool on PostgreSQL: what it hands out works, whatever the server did."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from shared.db import create_engine
from shared.testing.databases import DatabaseFactory


@pytest.mark.parametrize("each_database", ["postgres"], indirect=True)
async def test_a_pooled_connection_the_server_dropped_is_replaced_before_it_is_used(
    each_database: DatabaseFactory,
) -> None:
    """A restart or failover drops idle connections; the next request must not see it."""
    url = await each_database.new("pool")
    engine, admin = create_engine(url), create_engine(url)
    try:
        async with engine.connect() as conn:
            dropped = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        await asyncio.sleep(0.2)  # the backend is gone once the server has reaped it
        async with engine.connect() as conn:
            serving = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            assert (await conn.execute(text("SELECT 41 + 1"))).scalar_one() == 42
        assert serving != dropped
    finally:
        await engine.dispose()
        await admin.dispose()
