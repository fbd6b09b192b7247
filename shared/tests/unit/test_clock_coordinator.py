"""The test-clock coordinator, alone: it waits for due work, and `?wait=` answers when ready."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from shared.clock import TestClock
from shared.http.auth import ApiKeys
from shared.test_clock import ClockCoordinator, ClockParticipant, coordinator_router

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
ADMIN = {"Authorization": "Bearer admin-key"}


class QuietRelay:
    published_by_topic: dict[str, int] = {}

    async def pending(self) -> int:
        return 0

    def wake(self) -> None:
        pass


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
    local = ClockParticipant(clock, QuietRelay(), [], due_work=due_work)  # type: ignore[arg-type]
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
