"""Async SQLAlchemy engines for the two databases we support.

SQLite is the zero-setup default; PostgreSQL is production. Operators write the URLs
they know (`postgresql://…`, `sqlite:///./var/billing.db`) and we pick the async driver.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from shared.db.sqlite import InlineConnection

READ_ONLY = "shared_read_only"
"""Execution option for a transaction that only reads (see `_sqlite_pragmas`)."""


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only. On SQLite it takes neither the write lock nor a turn at
    the `WriteGate`, so a report, a probe or the test clock's look never waits for writers
    and never holds them up. (A plain `engine.connect()` begins as a writer there.)"""
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        yield conn


_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def normalise_url(url: str) -> str:
    """Map a plain database URL to its async driver; raise ValueError if unsupported."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(f"unsupported database {parsed.drivername!r}; use postgresql:// or sqlite://")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def missing_sqlite_folder(url: str) -> str | None:
    """Why a SQLite URL cannot be opened as given (its folder is missing), or None."""
    parsed = make_url(normalise_url(url))
    database = parsed.database or ":memory:"
    if parsed.get_backend_name() != "sqlite" or database == ":memory:":
        return None
    folder = Path(database).parent
    return None if folder.is_dir() else f"the folder {folder} does not exist; create it first"


def dialect_of(url: str) -> str:
    return make_url(normalise_url(url)).get_backend_name()


BUSY_SECONDS = 10
"""How long a writer waits for SQLite's write lock before giving up."""

_GATE = "shared_write_gate"


class WriteGate:
    """One writer at a time per process, queued in asyncio rather than by SQLite.

    SQLite has one write lock per file. A writer that finds it taken sleeps in SQLite's
    busy handler (1, 2, 5 … up to 100 ms at a time) and polls again, so eight
    concurrent requests spent most of their time asleep while the lock sat free. Our
    writers mostly share one process, so they queue here instead and each starts the
    moment the one before it hands the connection back. Another process on the same
    file (a migration, a separate relay) is waited for in asyncio (`shared.db.sqlite`).
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def enter(self, info: dict[str, Any]) -> None:
        """Called as a write transaction begins; waits (inside SQLAlchemy's greenlet) for the turn.

        A connection keeps its turn until it goes back to the pool, so a second
        transaction on the same checkout does not queue behind itself.
        """
        if _GATE in info:
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            await_only(_acquire(lock))
        except TimeoutError:
            raise TimeoutError(f"waited {BUSY_SECONDS}s for the database's write lock") from None
        info[_GATE] = lock

    @staticmethod
    def leave(info: dict[str, Any]) -> None:
        lock = info.pop(_GATE, None)
        if lock is not None:
            lock.release()


async def _acquire(lock: asyncio.Lock) -> None:
    """`asyncio.timeout`, not `wait_for`: every write passes here, and `wait_for` wraps the
    wait in a task of its own (Python 3.11)."""
    async with asyncio.timeout(BUSY_SECONDS):
        await lock.acquire()


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """WAL lets the relay, consumers and HTTP share one file (waits for a lock held
    elsewhere happen in asyncio, see `shared.db.sqlite`).

    Every transaction starts with BEGIN IMMEDIATE: SQLite otherwise upgrades a read
    transaction to a write one lazily and fails with "database is locked" instead of
    waiting when another writer got there first. A connection marked `READ_ONLY` starts
    a plain BEGIN instead: under WAL it reads a snapshot without taking the write lock,
    so the test clock's frequent looks neither wait behind a renewal batch nor hold it up.
    Writers in this process take turns through a `WriteGate` first.
    """
    gate = WriteGate()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        gate.enter(connection.connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            gate.leave(record.info)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, async_creator=InlineConnection.opener(database, BUSY_SECONDS))
        _sqlite_pragmas(engine)
        return engine
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": POSTGRES_SETTINGS},
    )
    engine.sync_engine.dialect.do_ping = _ping_in_one_round_trip  # type: ignore[method-assign]
    return engine


POSTGRES_SETTINGS = {"plan_cache_mode": "force_custom_plan"}
"""Every statement planned for the values it is run with. asyncpg prepares each statement
once per connection, and after five runs PostgreSQL may keep one generic plan for all
values: planned while a table was still near empty, a consumer's `event_id = ANY(:ids)`
scanned the whole inbox for every batch (0.3 s a batch once it held 20,000 rows)."""


def _ping_in_one_round_trip(dbapi_connection: Any) -> bool:
    """The pool's check that a connection still works, as one round trip.

    SQLAlchemy's asyncpg ping wraps its `;` in BEGIN and ROLLBACK (for PgBouncer's
    transaction mode), three round trips on every checkout: a third of those a new
    subscription makes. The services talk to PostgreSQL itself, where `;` on an idle
    connection tells as much. A failure is raised as SQLAlchemy's own ping raises it, so
    a connection the server dropped is still replaced before anyone uses it.
    """
    try:
        await_only(dbapi_connection._connection.fetchrow(";"))
    except Exception as error:
        dbapi_connection._handle_exception(error)
    return True
