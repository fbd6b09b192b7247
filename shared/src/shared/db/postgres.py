"""The PostgreSQL engine: its pool, its sessions' settings, and its check on a connection.

Every unit of work takes a connection from the pool and gives it back, so what the pool
does per checkout is paid by every request and every batch.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

POOL_SIZE, POOL_OVERFLOW = 20, 5
"""Connections a service keeps open, and how many more it may open for a moment.

A connection beyond the pool is closed when it comes back, so a service whose steady
load needs more than the pool opens and closes a PostgreSQL connection (a server
process) for a share of its requests. At the HTTP benchmark's 16 requests at a time,
beside the consumers, the relay and the schedulers, a pool of 10 did that on about
every other request: a read of one row ran at 330 a second, against 410 with a pool of
24. Three services at 25 at most stay well inside PostgreSQL's default 100."""

POSTGRES_SETTINGS = {"plan_cache_mode": "force_custom_plan"}
"""Every statement planned for the values it is run with. asyncpg prepares each statement
once per connection, and after five runs PostgreSQL may keep one generic plan for all
values: planned while a table was still near empty, a consumer's `event_id = ANY(:ids)`
scanned the whole inbox for every batch (0.3 s a batch once it held 20,000 rows)."""

PING_AFTER_IDLE_S = 5.0
"""A connection back in the pool for less than this is not pinged again (`_ping`)."""

_returned_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
"""When each asyncpg connection last came back to the pool (monotonic seconds)."""


def postgres_engine(url: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=POOL_OVERFLOW,
        pool_pre_ping=True,
        connect_args={"server_settings": POSTGRES_SETTINGS},
    )
    engine.sync_engine.dialect.do_ping = _ping  # type: ignore[method-assign]

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            _returned_at[dbapi_connection._connection] = time.monotonic()

    return engine


def _ping(dbapi_connection: Any) -> bool:
    """The pool's check that a connection still works, as one round trip, and only for a
    connection that sat idle.

    A connection the server ended (a restart, `pg_terminate_backend`, a crash) is closed
    by the server's side, and asyncpg marks it closed as soon as the event loop reads that:
    `is_closed()` tells it without a round trip. One that came back to the pool moments
    ago and is not closed is handed out as it is; the round trip was a fifth of the CPU a
    read of one row costs through the API. One idle for longer gets the round trip, which
    also finds a connection whose network path died without a word.

    SQLAlchemy's own asyncpg ping wraps its `;` in BEGIN and ROLLBACK (for PgBouncer's
    transaction mode), three round trips; the services talk to PostgreSQL itself, where `;`
    tells as much. A failure is raised as SQLAlchemy's own ping raises it, so a connection
    the server dropped is still replaced before anyone uses it.
    """
    connection = dbapi_connection._connection
    returned = _returned_at.get(connection)
    fresh = returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_S
    if fresh and not connection.is_closed():
        return True
    try:
        await_only(connection.fetchrow(";"))
    except Exception as error:
        dbapi_connection._handle_exception(error)
    return True
