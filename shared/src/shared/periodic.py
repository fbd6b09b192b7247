"""Background work that runs every few seconds, or at once when woken.

Each service's scheduler (billing run, dunning cases, pause moments) has the same
rhythm: do what is due, then sleep until the interval passes, something wakes it (the
test clock moved), a consumer nudges it, or the service stops. `busy` tells the test
clock that a pass is under way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.failures import is_unavailable

log = logging.getLogger(__name__)

NUDGE_GAP_S = 0.25
"""The least time between the starts of two passes that consumers asked for. A consumer
nudges after every batch it applied, and under a steady stream that is thirty times a
second: a pass each time (two or three queries over every case) took the event loop
from the consumer and added a fifth to the time from publish to commit. What a batch
makes due now, a reminder or a retry, can wait a quarter of a second."""


class PeriodicWork:
    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[object]],
        *,
        interval: float,
        nudge_gap: float = NUDGE_GAP_S,
    ) -> None:
        self.name, self.step, self.interval, self.nudge_gap = name, step, interval, nudge_gap
        self._wakeup = asyncio.Event()
        self._nudged = asyncio.Event()
        self.busy = False

    def wake(self) -> None:
        """Run now: time moved, and what it made due is what a test clock waits for."""
        self._wakeup.set()

    def nudge(self) -> None:
        """Run soon: a consumer applied events that may have made something due. Nudges
        within `nudge_gap` of the last pass's start make one pass between them."""
        self._nudged.set()

    async def run_once(self) -> None:
        self.busy = True
        try:
            await self.step()
        finally:
            self.busy = False

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            self._wakeup.clear()
            self._nudged.clear()
            started = loop.time()
            try:
                await self.run_once()
            except Exception as exc:
                if is_unavailable(exc):  # the database is down: expected, and said in one line
                    log.warning(
                        "scheduled work waits for a dependency",
                        extra={"work": self.name, "error": f"{type(exc).__name__}: {str(exc)[:200]}"},
                    )
                else:
                    log.exception("scheduled work failed; trying again next time", extra={"work": self.name})
            await _first(stop, self._wakeup, self._nudged, timeout=self.interval)
            if self._nudged.is_set() and not self._wakeup.is_set():
                await _first(stop, self._wakeup, timeout=started + self.nudge_gap - loop.time())


async def _first(*events: asyncio.Event, timeout: float) -> None:
    """Until any of `events` is set, or `timeout` seconds passed."""
    if timeout <= 0 or any(event.is_set() for event in events):
        return
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
