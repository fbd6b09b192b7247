"""Async SQLAlchemy engines for the two databases we support.

SQLite is the zero-setup default; PostgreSQL is production. Operators write the URLs
they know (`postgresql://…`, `sqlite:///./var/billing.db`) and we pick the async driver.
"""

from __future__ import annotations

import asyncio
import re
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

from shared.db.postgres import POOL_SIZE, postgres_engine
from shared.db.sqlite import InlineConnection

READ_ONLY = "shared_read_only"
"""Execution option for a transaction that only reads (see `_sqlite_pragmas`)."""


class WriteWhileReading(RuntimeError):
    """A statement that writes, on a connection taken only to read."""


def reading_options(dialect: str) -> dict[str, object]:
    """How a connection that only reads is set up.

    On SQLite it takes neither the write lock nor a turn at the `WriteGate`, so a report,
    a probe or the test clock's look never waits for writers and never holds them up (a
    plain `engine.connect()` begins as a writer there). On PostgreSQL it runs without a
    transaction: at READ COMMITTED each statement reads its own snapshot whether or not a
    transaction wraps it, so BEGIN and ROLLBACK were two round trips that changed
    nothing, and half of those a read of one row through the API made. Without a
    transaction nothing would undo a write, so `_refuse_writes_while_reading` refuses one.
    """
    if dialect == "postgresql":
        return {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
    return {READ_ONLY: True}


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only (`reading_options`)."""
    async with engine.connect() as conn:
        await conn.execution_options(**reading_options(engine.dialect.name))
        yield conn


_WRITES = re.compile(r"\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\S+\s+SET)\b", re.IGNORECASE)
"""A statement that changes rows, on its own or in a common table expression (on
PostgreSQL the inbox claims a batch in one `WITH … INSERT`); a `SELECT … FOR UPDATE` is
not one."""


def _refuse_writes_while_reading(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _refuse(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if conn.get_execution_options().get(READ_ONLY, False) and _WRITES.search(statement):
            raise WriteWhileReading(f"a read-only connection cannot write: {statement[:80]}")


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


def create_engine(url: str, *, pool_size: int = POOL_SIZE) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, async_creator=InlineConnection.opener(database, BUSY_SECONDS))
        _sqlite_pragmas(engine)
        _refuse_writes_while_reading(engine)
        return engine
    engine = postgres_engine(url, pool_size)
    _refuse_writes_while_reading(engine)
    return engine
