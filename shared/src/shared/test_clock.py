"""The shared test clock: simulated time that every service agrees on.

With `CLOCK=test`, billing coordinates. `POST /v1/test-clock/advance` moves time in
steps of at most a day, and stops at every moment some service said it has work due, so
every due moment is seen in order and on time (a retry due at 00:01 runs at 00:01). At each step billing sets
the time on every service, then waits until the whole system is quiet: no outbox rows
waiting, no due work anywhere, and every consumer has consumed at least what every
producer published on its topics, twice in a row. Kafka's end offsets are not used:
the embedded broker reports them wrongly, so each service counts instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Literal, TypeVar

import httpx
from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.clock import TestClock
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError
from shared.messaging.consumer import EventConsumer
from shared.outbox.relay import OutboxRelay

log = logging.getLogger(__name__)
T = TypeVar("T")
STEP = timedelta(days=1)
POLL = 0.005  # seconds between looks while settling: a look waits on the services, not the sleep


class ParticipantState(BaseModel):
    now: datetime
    published: dict[str, int]
    consumed: dict[str, int]
    outbox_pending: int
    due_work: int
    next_due_at: datetime | None = None


class ClockParticipant:
    """One service's side: it can be told the time and report whether it is quiet."""

    def __init__(
        self,
        clock: TestClock,
        relay: OutboxRelay,
        consumers: Sequence[EventConsumer],
        due_work: Callable[[], Awaitable[int]] | None = None,
        next_due: Callable[[], Awaitable[datetime | None]] | None = None,
    ) -> None:
        self.clock, self.relay, self.consumers = clock, relay, consumers
        self.due_work, self.next_due = due_work, next_due
        self.listeners: list[Callable[[], None]] = []

    def set(self, now: datetime) -> None:
        if now > self.clock.now():
            self.clock.move_to(now)
        for listener in self.listeners:
            listener()
        self.relay.wake()

    async def state(self) -> ParticipantState:
        """Counters first, then the three database questions at once (each on its own
        connection): the clock asks this many times per step, so its latency is the
        clock's resolution."""
        consumed: dict[str, int] = {}
        for consumer in self.consumers:
            consumed[consumer.topic.value] = consumed.get(consumer.topic.value, 0) + consumer.consumed
        published = dict(self.relay.published_by_topic)
        pending, due, next_due_at = await asyncio.gather(
            self.relay.pending(), _or(self.due_work, 0), _or(self.next_due, None)
        )
        return ParticipantState(
            now=self.clock.now(),
            published=published,
            consumed=consumed,
            outbox_pending=pending,
            due_work=due,
            next_due_at=next_due_at,
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
        participant.set(body.now)
        return await participant.state()

    return router


def is_quiet(states: Sequence[ParticipantState]) -> bool:
    if any(s.outbox_pending or s.due_work for s in states):
        return False
    published: dict[str, int] = {}
    for s in states:
        for topic, count in s.published.items():
            published[topic] = published.get(topic, 0) + count
    return all(count >= published.get(topic, 0) for s in states for topic, count in s.consumed.items())


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: int | None = Field(default=None, ge=0, le=5 * 366 * 86400)
    to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Advance:
        if (self.seconds is None) == (self.to is None):
            raise ValueError("give exactly one of `seconds` or `to`")
        return self


class ClockStatus(BaseModel):
    now: datetime
    status: Literal["advancing", "ready", "failed"]
    error: str | None = None


class ClockCoordinator:
    def __init__(
        self, local: ClockParticipant, peers: Sequence[str], admin_key: str, *, step_timeout: float = 120
    ) -> None:
        self.local, self.peers = local, list(peers)
        self.headers = {"Authorization": f"Bearer {admin_key}"}
        self.step_timeout = step_timeout
        self.status: Literal["advancing", "ready", "failed"] = "ready"
        self.error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()
        self._settled.set()
        self._quiet: list[ParticipantState] = []

    async def _ask_all(self, requests: Sequence[Awaitable[httpx.Response]]) -> list[ParticipantState]:
        """The local state and the peers' answers to `requests`, gathered together."""
        local, answers = await asyncio.gather(self.local.state(), asyncio.gather(*requests))
        for answer in answers:
            answer.raise_for_status()
        return [local, *(ParticipantState.model_validate(a.json()) for a in answers)]

    async def _states(self, client: httpx.AsyncClient) -> list[ParticipantState]:
        return await self._ask_all(
            [client.get(f"{peer}/v1/test-clock/state", headers=self.headers) for peer in self.peers]
        )

    async def _set_all(self, client: httpx.AsyncClient, moment: datetime) -> list[ParticipantState]:
        """Tell everyone the time; each answers its state as of just after the change."""
        self.local.set(moment)
        body = {"now": moment.isoformat()}
        return await self._ask_all(
            [client.post(f"{peer}/v1/test-clock/set", json=body, headers=self.headers) for peer in self.peers]
        )

    async def _settle(
        self, client: httpx.AsyncClient, first: list[ParticipantState] | None = None
    ) -> list[ParticipantState]:
        """Wait until every participant is quiet twice in a row; answers their last states.

        `first` is a sample already taken (the states `set` answered), so a step where
        nothing came due needs only one more look.
        """
        deadline = asyncio.get_running_loop().time() + self.step_timeout
        last: list[ParticipantState] = first or []
        quiet_in_a_row = 1 if first and is_quiet(first) else 0
        while quiet_in_a_row < 2:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the system did not settle: {last}")
            await asyncio.sleep(POLL)
            states = await self._states(client)
            if not is_quiet(states):
                quiet_in_a_row = 0
            elif states == last:
                quiet_in_a_row += 1
            else:  # quiet, but something moved since the last look: this is the first quiet look
                quiet_in_a_row = 1
            last = states
        self._quiet = last
        return last

    async def _still_quiet(self, client: httpx.AsyncClient) -> list[ParticipantState]:
        """The states before a step, settled.

        One look that matches the quiet states the last advance ended on is the second
        look of a pair: nothing was published, queued or made due since. Between
        advances a caller often changes nothing, so this saves a settle per day.
        """
        states = await self._states(client)
        if self._quiet and is_quiet(states) and states == self._quiet:
            return states
        return await self._settle(client, states)

    async def advance_to(self, target: datetime) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            states = await self._still_quiet(client)
            moment = self.local.clock.now()
            while moment < target:
                upcoming = [s.next_due_at for s in states if s.next_due_at]
                moment = min([target, moment + STEP, *(d for d in upcoming if d > moment)])
                states = await self._settle(client, await self._set_all(client, moment))

    def start(self, target: datetime) -> None:
        if self.status == "advancing":
            raise ApiError(409, "clock_busy", "the test clock is still advancing", "to")
        self.status, self.error = "advancing", None
        self._settled.clear()

        async def run() -> None:
            try:
                await self.advance_to(target)
                self.status = "ready"
            except Exception as exc:
                log.exception("test clock advance failed")
                self.status, self.error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                self._settled.set()

        self._task = asyncio.create_task(run(), name="test-clock-advance")

    async def wait(self, seconds: float) -> None:
        """Return once the clock stops advancing, or after `seconds`, whichever is first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), seconds)

    def snapshot(self) -> ClockStatus:
        return ClockStatus(now=self.local.clock.now(), status=self.status, error=self.error)


def coordinator_router(coordinator: ClockCoordinator, keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/test-clock", tags=["test clock"])
    admin = Depends(keys.require("admin"))

    @router.get("", dependencies=[admin])
    async def status(wait: Annotated[float, Query(ge=0, le=60)] = 0) -> ClockStatus:
        """`?wait=N` holds the answer up to N seconds while advancing, so a caller
        learns the moment the clock is ready without polling."""
        if wait:
            await coordinator.wait(wait)
        return coordinator.snapshot()

    @router.post("/advance", status_code=202, dependencies=[admin])
    async def advance(body: Advance) -> ClockStatus:
        now = coordinator.local.clock.now()
        target = now + timedelta(seconds=body.seconds) if body.seconds is not None else body.to
        assert target is not None
        if target < now:
            raise ApiError(422, "invalid_request", "to: the test clock never moves backwards", "to")
        coordinator.start(target)
        return ClockStatus(now=now, status="advancing")

    return router
