"""What the coordinating service keeps about the test clock, shared by its replicas.

Billing coordinates, and may run as several replicas: a caller's `advance` can land on
one and its `GET /v1/test-clock` on another. So the advance under way (its target, who
runs it, its last heartbeat) and the participants that registered are rows in billing's
database, not memory. A replica that finds an advance whose runner stopped
heartbeating takes it over and carries it to its target: a restart does not lose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock, SystemClock
from shared.db.engine import reading
from shared.db.upsert import upsert

Status = Literal["advancing", "ready", "failed"]
STALE_AFTER = timedelta(seconds=10)
"""An advance whose runner has not heartbeated for this long has lost its runner."""
GONE_AFTER = timedelta(seconds=20)
"""A registered participant not heard from for this long has stopped (it registers every 5 s)."""


@dataclass(frozen=True)
class AdvanceRecord:
    status: Status
    target: datetime | None = None
    owner: str | None = None
    error: str | None = None
    heartbeat_at: datetime | None = None

    def orphaned(self, now: datetime) -> bool:
        return self.status == "advancing" and (
            self.heartbeat_at is None or now - self.heartbeat_at > STALE_AFTER
        )


class ClockBook(Protocol):
    wall: Clock

    async def record(self) -> AdvanceRecord: ...

    async def begin(self, target: datetime, owner: str) -> bool:
        """Start an advance unless one is running (a stale one is taken over)."""

    async def heartbeat(self, owner: str) -> bool:
        """Still running it; False if another replica took it over."""

    async def finish(self, owner: str, status: Status, error: str | None) -> None: ...

    async def register(self, service: str, url: str) -> None: ...

    async def participants(self) -> list[tuple[str, str]]:
        """(service, url) of every participant heard from lately."""


class MemoryClockBook:
    """One process: for unit tests and a coordinator with no database of its own."""

    def __init__(self, wall: Clock | None = None) -> None:
        self.wall = wall or SystemClock()
        self.current = AdvanceRecord("ready")
        self.seen: dict[str, tuple[str, datetime]] = {}

    async def record(self) -> AdvanceRecord:
        return self.current

    async def begin(self, target: datetime, owner: str) -> bool:
        now = self.wall.now()
        if self.current.status == "advancing" and not self.current.orphaned(now):
            return False
        self.current = AdvanceRecord("advancing", target, owner, None, now)
        return True

    async def heartbeat(self, owner: str) -> bool:
        if self.current.owner != owner or self.current.status != "advancing":
            return False
        self.current = AdvanceRecord("advancing", self.current.target, owner, None, self.wall.now())
        return True

    async def finish(self, owner: str, status: Status, error: str | None) -> None:
        if self.current.owner == owner:
            self.current = AdvanceRecord(status, self.current.target, owner, error, self.wall.now())

    async def register(self, service: str, url: str) -> None:
        self.seen[url] = (service, self.wall.now())

    async def participants(self) -> list[tuple[str, str]]:
        now = self.wall.now()
        return [(service, url) for url, (service, at) in self.seen.items() if now - at <= GONE_AFTER]


class SqlClockBook:
    """Rows in the coordinating service's database (`clock_advance`, `clock_participants`)."""

    def __init__(
        self, engine: AsyncEngine, advance: Table, participants: Table, wall: Clock | None = None
    ) -> None:
        self.engine, self.advance, self.table = engine, advance, participants
        self.wall = wall or SystemClock()

    async def record(self) -> AdvanceRecord:
        a = self.advance
        async with reading(self.engine) as conn:
            row = (await conn.execute(select(a).where(a.c.id == 1))).first()
        if row is None:
            return AdvanceRecord("ready")
        return AdvanceRecord(row.status, row.target, row.owner, row.error, row.heartbeat_at)

    async def begin(self, target: datetime, owner: str) -> bool:
        now, a = self.wall.now(), self.advance
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(a).where(a.c.id == 1).with_for_update())).first()
            current = (
                AdvanceRecord(row.status, row.target, row.owner, row.error, row.heartbeat_at) if row else None
            )
            if current is not None and current.status == "advancing" and not current.orphaned(now):
                return False
            values = {
                "id": 1,
                "status": "advancing",
                "target": target,
                "owner": owner,
                "error": None,
                "heartbeat_at": now,
            }
            await upsert(conn, a, values, ["id"])
            return True

    async def heartbeat(self, owner: str) -> bool:
        a = self.advance
        async with self.engine.begin() as conn:
            moved = await conn.execute(
                update(a)
                .where(a.c.id == 1, a.c.owner == owner, a.c.status == "advancing")
                .values(heartbeat_at=self.wall.now())
            )
            return bool(moved.rowcount)

    async def finish(self, owner: str, status: Status, error: str | None) -> None:
        a = self.advance
        async with self.engine.begin() as conn:
            await conn.execute(
                update(a)
                .where(a.c.id == 1, a.c.owner == owner)
                .values(status=status, error=error, heartbeat_at=self.wall.now())
            )

    async def register(self, service: str, url: str) -> None:
        async with self.engine.begin() as conn:
            await upsert(
                conn, self.table, {"url": url, "service": service, "seen_at": self.wall.now()}, ["url"]
            )

    async def participants(self) -> list[tuple[str, str]]:
        t = self.table
        async with reading(self.engine) as conn:
            rows = await conn.execute(
                select(t.c.service, t.c.url).where(t.c.seen_at >= self.wall.now() - GONE_AFTER)
            )
            return [(row.service, row.url) for row in rows]
