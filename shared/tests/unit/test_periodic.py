"""A scheduler nudged by every consumer batch runs once per gap; time moving wakes it at once.

The gap and the interval are an hour here, so nothing in these tests depends on how fast
the machine is: a pass that came from a nudge inside the gap would be a bug, whatever
the timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.periodic import PeriodicWork

HOUR = 3600.0


class Passes:
    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    async def step(self) -> None:
        self.count += 1
        self._changed.set()

    async def until(self, count: int) -> None:
        while self.count < count:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), timeout=10)


@asynccontextmanager
async def running(work: PeriodicWork) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(work.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def settled() -> None:
    """Every task that could run now has had its turns."""
    for _ in range(20):
        await asyncio.sleep(0)


def scheduler(passes: Passes, nudge_gap: float) -> PeriodicWork:
    return PeriodicWork("test", passes.step, interval=HOUR, nudge_gap=nudge_gap)


async def nudged(work: PeriodicWork, times: int) -> None:
    """As a consumer does after each of `times` batches."""
    for _ in range(times):
        work.nudge()
        await asyncio.sleep(0)


async def test_nudges_within_the_gap_make_no_pass_until_it_is_over() -> None:
    passes = Passes()
    work = scheduler(passes, nudge_gap=HOUR)
    async with running(work):
        await passes.until(1)  # the first pass runs at start
        await nudged(work, 30)
        await settled()
        assert passes.count == 1


async def test_time_moving_wakes_the_scheduler_at_once_even_within_the_gap() -> None:
    passes = Passes()
    work = scheduler(passes, nudge_gap=HOUR)
    async with running(work):
        await passes.until(1)
        await nudged(work, 3)
        work.wake()
        await passes.until(2)
        work.wake()
        await passes.until(3)


async def test_a_nudge_after_the_gap_makes_one_more_pass() -> None:
    passes = Passes()
    work = scheduler(passes, nudge_gap=0.0)
    async with running(work):
        await passes.until(1)
        work.nudge()
        await passes.until(2)
        await settled()
        assert passes.count == 2  # one nudge, one pass: nothing left set behind it


async def test_the_scheduler_stops_while_it_waits_out_the_gap() -> None:
    passes = Passes()
    work = scheduler(passes, nudge_gap=HOUR)
    stop = asyncio.Event()
    task = asyncio.create_task(work.run(stop))
    await passes.until(1)
    work.nudge()
    await settled()
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert passes.count == 1
