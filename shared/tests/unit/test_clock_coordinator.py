"""The test-clock coordinator, alone: it waits for due work, and `?wait=` answers when ready."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from shared.clock import TestClock
from shared.http.auth import ApiKeys
from shared.test_clock import (
    ClockCoordinator,
    ClockParticipant,
    MemoryClockBook,
    ParticipantState,
    coordinator_router,
    is_quiet,
    participant_router,
)
from shared.test_clock.shared_state import GONE_AFTER, STALE_AFTER

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
ADMIN = {"Authorization": "Bearer admin-key"}


class QuietDeliveries:
    """Nothing published, nothing waiting in the outbox."""

    async def read(self) -> tuple[dict[str, int], dict[str, int], int, bool]:
        return {}, {}, 0, False


class SlowWork:
    """Work that comes due on each new day and takes `seconds` to finish."""

    def __init__(self, clock: TestClock, seconds: float) -> None:
        self.clock, self.seconds = clock, seconds
        self.day, self.finishes_at = clock.now().date(), 0.0

    def time_moved(self) -> None:
        if self.clock.now().date() != self.day:
            self.day, self.finishes_at = self.clock.now().date(), time.monotonic() + self.seconds

    async def due(self) -> int:
        return int(time.monotonic() < self.finishes_at)


def client_for(
    clock: TestClock, due_work: Callable[[], Awaitable[int]]
) -> tuple[httpx.AsyncClient, ClockParticipant]:
    """The coordinator's API over one local participant (no peers), and that participant."""
    local = ClockParticipant(clock, QuietDeliveries(), due_work=due_work)
    app = FastAPI()
    app.include_router(
        coordinator_router(ClockCoordinator(local, [], "admin-key"), ApiKeys(admin="admin-key", finance="f"))
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing"), local


def coordinator(work_seconds: float) -> tuple[httpx.AsyncClient, TestClock, SlowWork]:
    clock = TestClock(T0)
    work = SlowWork(clock, work_seconds)
    client, local = client_for(clock, work.due)
    local.listeners.append(work.time_moved)
    return client, clock, work


async def finish(client: httpx.AsyncClient, work: SlowWork) -> None:
    """End the work now and wait for the advance, so no test leaves it running."""
    work.finishes_at = 0.0
    answer = (await client.get("/v1/test-clock", params={"wait": 5}, headers=ADMIN)).json()
    assert answer["status"] == "ready"


async def test_the_clock_is_ready_only_after_the_work_that_came_due_is_done() -> None:
    client, clock, _ = coordinator(work_seconds=0.5)
    async with client:
        started = time.monotonic()
        moved = await client.post("/v1/test-clock/advance", json={"seconds": 86_400}, headers=ADMIN)
        assert moved.status_code == 202
        answer = (await client.get("/v1/test-clock", params={"wait": 10}, headers=ADMIN)).json()
        assert answer["status"] == "ready"
        assert time.monotonic() - started >= 0.5
        assert datetime.fromisoformat(answer["now"]) == T0 + timedelta(days=1) == clock.now()


async def test_wait_answers_advancing_when_the_clock_is_not_ready_in_time() -> None:
    client, _, work = coordinator(work_seconds=3)
    async with client:
        await client.post("/v1/test-clock/advance", json={"seconds": 86_400}, headers=ADMIN)
        started = time.monotonic()
        answer = (await client.get("/v1/test-clock", params={"wait": 0.3}, headers=ADMIN)).json()
        assert answer["status"] == "advancing"
        assert 0.3 <= time.monotonic() - started < 2.5
        await finish(client, work)


async def test_a_wait_longer_than_a_minute_is_refused_naming_the_parameter() -> None:
    client, _, _ = coordinator(work_seconds=0)
    async with client:
        answer = await client.get("/v1/test-clock", params={"wait": 600}, headers=ADMIN)
        assert answer.status_code == 422
        assert "wait" in answer.text


async def test_without_wait_the_answer_is_immediate() -> None:
    client, _, work = coordinator(work_seconds=3)
    async with client:
        await client.post("/v1/test-clock/advance", json={"seconds": 86_400}, headers=ADMIN)
        started = time.monotonic()
        answer = (await client.get("/v1/test-clock", headers=ADMIN)).json()
        assert answer["status"] == "advancing"
        assert time.monotonic() - started < 0.5
        await finish(client, work)


class Backlog:
    """Work handed in between advances, as an API call would, that takes `seconds` to finish."""

    def __init__(self, clock: TestClock) -> None:
        self.clock, self.until, self.looks = clock, 0.0, 0
        self.busy_at: list[datetime] = []

    def add(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    async def due(self) -> int:
        self.looks += 1
        busy = time.monotonic() < self.until
        if busy:
            self.busy_at.append(self.clock.now())
        return int(busy)


def backlog_coordinator() -> tuple[httpx.AsyncClient, TestClock, Backlog]:
    clock = TestClock(T0)
    backlog = Backlog(clock)
    client, _ = client_for(clock, backlog.due)
    return client, clock, backlog


async def advance_a_day(client: httpx.AsyncClient) -> dict[str, str]:
    moved = await client.post("/v1/test-clock/advance", json={"seconds": 86_400}, headers=ADMIN)
    assert moved.status_code == 202
    answer: dict[str, str] = (await client.get("/v1/test-clock", params={"wait": 10}, headers=ADMIN)).json()
    assert answer["status"] == "ready"
    return answer


async def test_work_handed_in_between_advances_is_finished_before_the_clock_moves() -> None:
    client, clock, backlog = backlog_coordinator()
    async with client:
        await advance_a_day(client)
        backlog.add(0.3)
        await advance_a_day(client)
    assert backlog.busy_at, "the coordinator never saw the work"
    assert set(backlog.busy_at) == {T0 + timedelta(days=1)}
    assert clock.now() == T0 + timedelta(days=2)


async def test_a_quiet_system_is_asked_three_times_for_a_day_after_a_quiet_day() -> None:
    """Still quiet as the last advance left it (one look), the new time (set), and one look
    to confirm nothing came due: the fewest that prove the step is over."""
    client, _, backlog = backlog_coordinator()
    async with client:
        await advance_a_day(client)
        backlog.looks = 0
        await advance_a_day(client)
    assert backlog.looks == 3


class Hosts(httpx.AsyncBaseTransport):
    """Several services' apps behind one client, by host name; a host that is down refuses."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps, self.down = apps, set[str]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down or host not in self.apps:
            raise httpx.ConnectError(f"{host} refused the connection", request=request)
        return await httpx.ASGITransport(app=self.apps[host]).handle_async_request(request)


class Counted:
    """A participant's deliveries, set by the test: what it published and consumed."""

    def __init__(self) -> None:
        self.published: dict[str, int] = {}
        self.consumed: dict[str, int] = {}

    async def read(self) -> tuple[dict[str, int], dict[str, int], int, bool]:
        return dict(self.published), dict(self.consumed), 0, False


def participant_app(participant: ClockParticipant) -> FastAPI:
    app = FastAPI()
    app.include_router(participant_router(participant, ApiKeys(admin="admin-key", finance="f")))
    return app


def stack(*names: str) -> tuple[ClockCoordinator, dict[str, ClockParticipant], dict[str, Counted], Hosts]:
    """A coordinator in billing and one participant per other name, each on its own clock."""
    counted = {name: Counted() for name in ("billing", *names)}
    participants = {
        name: ClockParticipant(TestClock(T0), counted[name], service=name.split("-")[0]) for name in counted
    }
    hosts = Hosts({name: participant_app(participants[name]) for name in names})
    coordinator = ClockCoordinator(
        participants["billing"],
        [f"http://{name}" for name in names],
        "admin-key",
        client=lambda: httpx.AsyncClient(transport=hosts),
        step_timeout=2,
    )
    return coordinator, participants, counted, hosts


def test_replicas_of_one_service_are_counted_once() -> None:
    """Two dunning replicas share a database: each reports the same counts, which are not
    added up, nor is billing's publishing counted once per billing replica."""
    published = {"billing.events": 5}
    states = [
        ParticipantState(
            service="billing", now=T0, published=published, consumed={}, outbox_pending=0, due_work=0
        ),
        ParticipantState(
            service="billing", now=T0, published=published, consumed={}, outbox_pending=0, due_work=0
        ),
        ParticipantState(
            service="dunning",
            now=T0,
            published={},
            consumed={"billing.events": 5},
            outbox_pending=0,
            due_work=0,
        ),
        ParticipantState(
            service="dunning",
            now=T0,
            published={},
            consumed={"billing.events": 4},
            outbox_pending=0,
            due_work=0,
        ),
    ]

    assert is_quiet(states)
    assert not is_quiet([*states[:2], states[3]])


async def test_every_participant_is_told_the_time_and_a_lagging_consumer_holds_the_step() -> None:
    coordinator, participants, counted, _ = stack("dunning", "pause")
    counted["billing"].published = {"billing.events": 3}
    counted["dunning"].consumed = {"billing.events": 3}
    counted["pause"].consumed = {"billing.events": 2}

    async def catch_up() -> None:
        await asyncio.sleep(0.3)
        counted["pause"].consumed = {"billing.events": 3}

    catching_up = asyncio.create_task(catch_up())
    started = time.monotonic()
    await coordinator.advance_to(T0 + timedelta(days=1))
    await catching_up

    assert time.monotonic() - started >= 0.3
    assert {p.clock.now() for p in participants.values()} == {T0 + timedelta(days=1)}


async def test_a_participant_that_restarts_mid_step_is_waited_for_and_told_the_time_again() -> None:
    coordinator, participants, _, hosts = stack("dunning")
    hosts.down.add("dunning")

    async def restart() -> None:
        await asyncio.sleep(0.3)
        hosts.down.discard("dunning")  # back, at the time it had stored before the step

    restarting = asyncio.create_task(restart())
    await coordinator.advance_to(T0 + timedelta(hours=6))
    await restarting

    assert participants["dunning"].clock.now() == T0 + timedelta(hours=6)


async def test_a_step_gives_up_only_when_nothing_has_moved_for_the_step_timeout() -> None:
    coordinator, _, counted, _ = stack("dunning")
    counted["billing"].published = {"billing.events": 10}
    counted["dunning"].consumed = {"billing.events": 0}

    async def slow_but_steady() -> None:  # 3 s of work, in steps: longer than the 2 s timeout
        for n in range(1, 11):
            await asyncio.sleep(0.3)
            counted["dunning"].consumed = {"billing.events": n}

    working = asyncio.create_task(slow_but_steady())
    await coordinator.advance_to(T0 + timedelta(hours=1))
    await working

    counted["billing"].published = {"billing.events": 11}  # and now it stalls
    with pytest.raises(TimeoutError, match="nothing moved for 2s"):
        await coordinator.advance_to(T0 + timedelta(hours=2))


async def test_registered_replicas_are_asked_and_one_that_stopped_registering_is_dropped() -> None:
    book = MemoryClockBook(wall=TestClock(T0))
    coordinator, participants, _, hosts = stack("dunning")
    replica = ClockParticipant(TestClock(T0), Counted(), service="dunning")
    hosts.apps["dunning-2"] = participant_app(replica)
    coordinator.book = book
    await book.register("dunning", "http://dunning-2")

    await coordinator.advance_to(T0 + timedelta(hours=1))
    assert replica.clock.now() == T0 + timedelta(hours=1)

    hosts.down.add("dunning-2")
    book.wall.move_to(T0 + GONE_AFTER + timedelta(seconds=1))  # type: ignore[attr-defined]
    await coordinator.advance_to(T0 + timedelta(hours=2))
    assert participants["dunning"].clock.now() == T0 + timedelta(hours=2)


async def test_an_advance_whose_runner_died_is_carried_on_by_another_replica() -> None:
    wall = TestClock(T0)
    book = MemoryClockBook(wall=wall)
    assert await book.begin(T0 + timedelta(days=2), owner="billing-dead")
    local = ClockParticipant(TestClock(T0), QuietDeliveries())
    survivor = ClockCoordinator(local, [], "admin-key", book=book, owner="billing-alive")
    wall.move_to(T0 + STALE_AFTER + timedelta(seconds=1))
    stop = asyncio.Event()

    supervising = asyncio.create_task(survivor.supervise(stop))
    await survivor.wait(8)
    stop.set()
    await supervising

    assert (await book.record()).status == "ready"
    assert local.clock.now() == T0 + timedelta(days=2)
