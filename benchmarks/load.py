"""The benchmarks' load generator: requests `CONCURRENCY` at a time, each one timed.

It sends with aiohttp, not httpx. On these 2 cores httpx's own work per request capped
`/healthz` at about 300 requests a second with a p99 near 200 ms, while the same service
answered aiohttp's requests at about 3,000 a second with a p99 near 12 ms. A baseline
that measures the client makes every route's ratio to it look better than the service is.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

CONCURRENCY = 16
ADMIN = {"Authorization": "Bearer dev-admin-key"}


@dataclass(frozen=True)
class Timing:
    requests_s: float
    p50_ms: float
    p99_ms: float


class Client:
    """One keep-alive pool of `CONCURRENCY` connections; every answer must succeed."""

    def __init__(self, timeout_s: float = 60) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CONCURRENCY),
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        )

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.close()

    async def call(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        admin: bool = True,
    ) -> Any:
        """The answer's JSON (or text, if it is not JSON); raises unless it is 2xx."""
        headers = ADMIN if admin else None
        async with self.session.request(method, url, json=body, params=params, headers=headers) as answer:
            text = await answer.text()
            if answer.status >= 300:
                raise RuntimeError(f"{method} {url}: {answer.status} {text}")
            return await answer.json() if answer.content_type == "application/json" else text

    async def succeeds(self, method: str, url: str) -> bool:
        """Whether `url` answers 2xx yet (a read that waits for an event to arrive)."""
        async with self.session.request(method, url, headers=ADMIN) as answer:
            await answer.read()
            return answer.status < 300


async def hammer(send: Callable[[int], Awaitable[object]], n: int) -> Timing:
    """`send(i)` for i < n, CONCURRENCY at a time; every one must succeed (`Client.call`
    raises), or the figure means nothing."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            began = time.perf_counter()
            await send(i)
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Timing(n / wall, 1000 * cuts[49], 1000 * cuts[98])
