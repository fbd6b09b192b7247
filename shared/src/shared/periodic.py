"""Background work that runs every few seconds, or at once when woken.

Each service's scheduler (billing run, dunning cases, pause moments) has the same
rhythm: do what is due, then sleep until the interval passes, something wakes it (a
consumer queued work, the test clock moved), or the service stops. `busy` tells the
test clock that a pass is under way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.failures import is_unavailable

log = logging.getLogger(__name__)


class PeriodicWork:
    def __init__(self, name: str, step: Callable[[], Awaitable[object]], *, interval: float) -> None:
        self.name, self.step, self.interval = name, step, interval
        self._wakeup = asyncio.Event()
        self.busy = False

    def wake(self) -> None:
        self._wakeup.set()

    async def run_once(self) -> None:
        self.busy = True
        try:
            await self.step()
        finally:
            self.busy = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()
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
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wakeup.wait())]
            await asyncio.wait(waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
