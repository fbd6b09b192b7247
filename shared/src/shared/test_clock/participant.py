"""One service instance's side of the test clock: it is told the time and says if it is quiet.

Its simulated time is kept in its own database (`clock_state`), so a restarted instance
resumes at the simulated time, not the wall-clock one, and a new replica starts where
its siblings stand. What it reports comes from durable facts: the delivery counts and
pending outbox rows in its database, and its due work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import httpx
from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import TestClock
from shared.db.engine import reading
from shared.db.upsert import insert_for
from shared.delivery_counts import DeliveryCounts, consumed_by, published_by_topic
from shared.http.auth import ApiKeys
from shared.test_clock.state import ParticipantState

log = logging.getLogger(__name__)
T = TypeVar("T")
REGISTER_EVERY = 5.0  # seconds between a participant's registrations (its heartbeat)


class DeliveryFacts(Protocol):
    async def read(self) -> tuple[dict[str, int], dict[str, int], int, bool]:
        """Published by topic, consumed by topic, outbox rows pending, relay healing."""


class ClockStore:
    """The simulated time in the service's own database; it only ever moves forwards."""

    def __init__(self, engine: AsyncEngine, table: Table) -> None:
        self.engine, self.table = engine, table

    async def load(self) -> datetime | None:
        async with reading(self.engine) as conn:
            return (
                await conn.execute(select(self.table.c.now).where(self.table.c.id == 1))
            ).scalar_one_or_none()

    async def save(self, now: datetime) -> None:
        t = self.table
        async with self.engine.begin() as conn:
            statement = insert_for(conn.dialect.name, t).values(id=1, now=now)
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[t.c.id],
                    set_={"now": statement.excluded.now},
                    where=t.c.now < statement.excluded.now,
                )
            )


class DatabaseFacts:
    """Delivery facts from the service's database, and its relay's healing state."""

    def __init__(
        self,
        engine: AsyncEngine,
        counts: DeliveryCounts,
        pending: Callable[[], Awaitable[int]],
        consumers: Mapping[str, str],
        healing: Callable[[], bool] = lambda: False,
    ) -> None:
        self.engine, self.counts, self.pending = engine, counts, pending
        self.consumers = consumers  # consumer name -> topic
        self.healing = healing

    async def read(self) -> tuple[dict[str, int], dict[str, int], int, bool]:
        async with reading(self.engine) as conn:
            counts = await self.counts.read(conn)
        consumed: dict[str, int] = {}
        for name, topic in self.consumers.items():
            consumed[topic] = consumed.get(topic, 0) + consumed_by(counts, name)
        return published_by_topic(counts), consumed, await self.pending(), self.healing()


class ClockParticipant:
    def __init__(
        self,
        clock: TestClock,
        facts: DeliveryFacts,
        due_work: Callable[[], Awaitable[int]] | None = None,
        next_due: Callable[[], Awaitable[datetime | None]] | None = None,
        *,
        service: str = "",
        store: ClockStore | None = None,
    ) -> None:
        self.clock, self.facts, self.service, self.store = clock, facts, service, store
        self.due_work, self.next_due = due_work, next_due
        self.listeners: list[Callable[[], None]] = []

    async def restore(self) -> None:
        """At start: take the stored simulated time, or store where this clock starts."""
        if self.store is None:
            return
        stored = await self.store.load()
        if stored is None:
            await self.store.save(self.clock.now())
        else:
            self.clock.restore(stored)

    async def set(self, now: datetime) -> None:
        if now > self.clock.now():
            if self.store is not None:
                await self.store.save(now)  # first stored, so a crash now resumes here
            self.clock.move_to(now)
        for listener in self.listeners:
            listener()

    async def follow(self) -> None:
        """Catch up with the stored time, which a sibling replica may have moved."""
        if self.store is not None and (stored := await self.store.load()) and stored > self.clock.now():
            await self.set(stored)

    async def state(self) -> ParticipantState:
        """The questions at once (each on its own connection): the clock asks this many
        times per step, so its latency is the clock's resolution."""
        (published, consumed, pending, healing), due, next_due_at = await asyncio.gather(
            self.facts.read(), _or(self.due_work, 0), _or(self.next_due, None)
        )
        return ParticipantState(
            service=self.service,
            now=self.clock.now(),
            published=published,
            consumed=consumed,
            outbox_pending=pending,
            due_work=due,
            next_due_at=next_due_at,
            healing=healing,
        )


async def _or(ask: Callable[[], Awaitable[T]] | None, default: T) -> T:
    return await ask() if ask else default


class SetClock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: AwareDatetime


def participant_router(participant: ClockParticipant, keys: ApiKeys) -> APIRouter:
    router = APIRouter(
        prefix="/v1/test-clock", tags=["test clock"], dependencies=[Depends(keys.require("admin"))]
    )

    @router.get("/state")
    async def state() -> ParticipantState:
        return await participant.state()

    @router.post("/set")
    async def set_time(body: SetClock) -> ParticipantState:
        await participant.set(body.now)
        return await participant.state()

    return router


class Registrar:
    """Tells the coordinator, again every few seconds, that this instance takes part, so
    every replica is waited for and one that died stops being waited for."""

    def __init__(
        self,
        register: Callable[[], Awaitable[None]],
        participant: ClockParticipant,
        every: float = REGISTER_EVERY,
    ) -> None:
        self.register, self.participant, self.every = register, participant, every

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.register()
                await self.participant.follow()
            except Exception as exc:  # the coordinator may not be up yet: try again soon
                log.debug("test clock registration failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)


def http_registration(
    coordinator_url: str, admin_key: str, service: str, url: str
) -> Callable[[], Awaitable[None]]:
    """Registering with a coordinator in another service, over its API; every few seconds,
    so the TLS context (the CA bundle loaded) is made once, not for each registration."""
    tls = httpx.create_ssl_context()

    async def register() -> None:
        async with httpx.AsyncClient(timeout=5, verify=tls) as client:
            answer = await client.post(
                f"{coordinator_url.rstrip('/')}/v1/test-clock/participants",
                json={"service": service, "url": url},
                headers={"Authorization": f"Bearer {admin_key}"},
            )
            answer.raise_for_status()

    return register


def consumer_topics(consumers: Sequence[object]) -> dict[str, str]:
    """Consumer name -> topic, for the consumers a service runs."""
    return {c.name: c.topic.value for c in consumers}  # type: ignore[attr-defined]
