"""Doing many awaitable things at once, but only a few at a time.

A renewal day asks the gateway, billing's portal-link API and the services' HTTP APIs
for thousands of things; all at once would swamp them, one after another takes too long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


async def bounded_map(
    work: Callable[[Item], Awaitable[Answer]], items: Iterable[Item], *, at_once: int
) -> list[Answer]:
    """`work(item)` for every item, at most `at_once` running together; answers in item order."""
    gate = asyncio.Semaphore(at_once)

    async def one(item: Item) -> Answer:
        async with gate:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))
