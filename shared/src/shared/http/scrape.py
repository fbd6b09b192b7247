"""Gauges read when Prometheus scrapes, rather than counted as things happen.

Outbox backlog, consumer lag, readiness and a service's own states (dunning cases by
state) are facts held by the database or the broker. Reading them at scrape time keeps
them true in production, where nothing else asks (the test clock used to be the only
reader of the outbox count). Readings run side by side, each with a timeout, at most
once every `max_age` seconds however often `/metrics` is asked; one that fails or times
out leaves its gauge at the last value read and is logged, and the scrape still answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

log = logging.getLogger(__name__)

Reading = Callable[[], Awaitable[None]]


class ScrapeReadings:
    def __init__(
        self, readings: Mapping[str, Reading], *, max_age: float = 5.0, timeout: float = 3.0
    ) -> None:
        self.readings = dict(readings)
        self.max_age, self.timeout = max_age, timeout
        self._lock = asyncio.Lock()
        self._read_at: float | None = None

    async def refresh(self) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._read_at is not None and now - self._read_at < self.max_age:
                return
            self._read_at = now
            names = list(self.readings)
            results = await asyncio.gather(
                *(asyncio.wait_for(self.readings[name](), self.timeout) for name in names),
                return_exceptions=True,
            )
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                log.warning(
                    "a gauge could not be read; it keeps its last value",
                    extra={"reading": name, "error": f"{type(result).__name__}: {str(result)[:200]}"},
                )
