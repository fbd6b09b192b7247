"""Telling "something we depend on is unavailable" from "this message (or request) is bad".

The difference decides what happens to a message that failed: one that failed because
the database or the broker was down, or lost a race to another process, must be
delivered again later, never dead-lettered; only one that fails on its own content goes
to the DLQ. Drivers report unavailability in many shapes (asyncpg's "database is not
accepting connections" is a plain `DBAPIError`, SQLite's lock is an `OperationalError`,
aiokafka has its own), so the rule lives here, once, and looks through the whole chain
of causes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from sqlalchemy import exc as sa

TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "55", "57", "58"})
"""PostgreSQL error classes that say nothing about the data: connection exceptions (08),
serialization failures and deadlocks (40), insufficient resources (53), objects not in
the state needed, such as a database not accepting connections (55), operator
intervention (57: shutdown, restart, cancel) and system errors (58)."""

SCHEMA_NOT_READY = frozenset({"42P01", "42703"})
"""A table or column missing: the database is not migrated yet, not a bad message."""


class ConcurrentUpdate(RuntimeError):
    """Another process changed the row since we read it: the use case is run again,
    and its next read sees what the other process wrote."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__, getattr(current, "orig", None)]


def _sqlstate(error: BaseException) -> str | None:
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return code if isinstance(code, str) else None


def _kafka_unavailable(error: BaseException) -> bool:
    module = type(error).__module__
    return module.startswith(("aiokafka", "kafka")) and getattr(error, "retriable", False)


def _one_is_unavailable(error: BaseException) -> bool:
    if isinstance(error, ConcurrentUpdate | ConnectionError | OSError | asyncio.TimeoutError | TimeoutError):
        return True
    if isinstance(error, sa.OperationalError | sa.InterfaceError | sa.DisconnectionError | sa.TimeoutError):
        return True
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    code = _sqlstate(error)
    if code is not None and (code[:2] in TRANSIENT_SQLSTATE_CLASSES or code in SCHEMA_NOT_READY):
        return True
    return _kafka_unavailable(error) or type(error).__name__ in {
        "KafkaConnectionError",
        "KafkaTimeoutError",
        "NodeNotReadyError",
        "RequestTimedOutError",
    }


def is_unavailable(error: BaseException) -> bool:
    """True when `error`, or anything that caused it, means a dependency was unavailable."""
    return any(_one_is_unavailable(part) for part in _chain(error))
