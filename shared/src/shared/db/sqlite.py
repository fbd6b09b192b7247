"""SQLite calls run on the event loop's own thread, and wait for the lock in asyncio.

aiosqlite gives every connection a worker thread: each call (execute, fetch, commit)
is queued to it, and its answer comes back through the event loop. For our small
statements the SQLite work takes microseconds, the two thread hand-overs and the turn
of the loop far longer, and since writers take turns (`WriteGate`) the write lock was
held through every hop: billing could not use a whole core while sixteen requests
waited. Here each call runs where it is awaited, so a write transaction holds the
lock only for its own work. The price is that a long query holds the loop for its
length, the right trade for the zero-setup database; production runs PostgreSQL.

SQLite's own wait for a lock held by another process (a relay run on its own, a
migration) would freeze the loop, so connections have no busy timeout: a statement or
commit refused with SQLITE_BUSY is tried again after an asyncio sleep, backing off as
SQLite's busy handler does, until the busy timeout has passed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from itertools import chain, repeat
from typing import Any

import aiosqlite

RETRIED = frozenset({"execute", "executemany", "executescript", "commit"})
"""Calls that did nothing when refused as busy, so running them again is SQLite's own remedy."""
BACKOFF = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05)
"""Seconds between tries, as SQLite's busy handler sleeps; 0.1 s after these."""

Call = Callable[[], Any]


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection without its worker thread.

    SQLAlchemy's aiosqlite dialect drives this unchanged (it also queues to `_tx`
    directly to set the isolation level), so only the queue is replaced.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_seconds: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunHere(busy_seconds)  # type: ignore[assignment]

    def __await__(self) -> Any:
        return self._connect().__await__()  # no thread to start

    @classmethod
    def opener(cls, database: str, busy_seconds: float) -> Callable[[], InlineConnection]:
        """The engine's `async_creator`: a new connection to `database` per call."""
        connect = partial(sqlite3.connect, database, timeout=0, check_same_thread=False)
        return partial(cls, connect, busy_seconds)


class _RunHere:
    """Stands in for aiosqlite's queue to its thread: each call runs as it is put."""

    def __init__(self, busy_seconds: float) -> None:
        self.busy_seconds = busy_seconds
        self._retries: set[asyncio.Task[None]] = set()

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Call]) -> None:
        future, call = item
        if not _run(future, call, may_wait=future is not None and _name(call) in RETRIED):
            assert future is not None
            retry = asyncio.ensure_future(self._retry(future, call))
            self._retries.add(retry)
            retry.add_done_callback(self._retries.discard)

    async def _retry(self, future: asyncio.Future[Any], call: Call) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.busy_seconds
        for delay in chain(BACKOFF, repeat(0.1)):
            await asyncio.sleep(delay)
            if future.done():  # the caller gave up (cancelled)
                return
            if _run(future, call, may_wait=loop.time() < deadline):
                return


def _run(future: asyncio.Future[Any] | None, call: Call, *, may_wait: bool) -> bool:
    """Run `call` and hand its outcome to `future`; False, with nothing handed over, when
    it was refused as busy and `may_wait`, so it should be tried again later."""
    try:
        result = call()
    except sqlite3.OperationalError as error:
        if may_wait and _busy(error):
            return False
        _settle(future, error=error)
    except BaseException as error:  # handed to the awaiting caller, as aiosqlite does
        _settle(future, error=error)
    else:
        _settle(future, result)
    return True


def _busy(error: sqlite3.OperationalError) -> bool:
    """Plain SQLITE_BUSY: another connection holds the lock. Not BUSY_SNAPSHOT, where
    waiting cannot help."""
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


def _name(call: Call) -> str:
    return getattr(getattr(call, "func", call), "__name__", "")


def _settle(
    future: asyncio.Future[Any] | None, result: Any = None, *, error: BaseException | None = None
) -> None:
    if future is None or future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
