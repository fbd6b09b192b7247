"""Doing many awaitable things at once, but only a few at a time.

A renewal day asks the gateway, billing's portal-link API and the services' HTTP APIs
for thousands of things; all at once would swamp them, one after another takes too long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

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


class GroupCommit(Generic[Item, Answer]):
    """Many callers' small writes, made together; each caller waits for its own answer.

    Concurrent callers that each wrote a row in a transaction of their own (the simulated
    gateway's ledger, one per charge) cost a round trip and a commit apiece; a renewal day
    sends its charges dozens at a time. Here whatever is waiting when the writer is free
    goes in one call of `flush`, which answers one result per item, in order. While a
    flush runs, new items queue for the next, so a busy writer batches more, an idle one
    answers at once. If `flush` raises, every caller of that group gets the error.
    """

    def __init__(self, flush: Callable[[list[Item]], Awaitable[list[Answer]]], *, most: int = 500) -> None:
        self._flush = flush
        self._most = most
        self._waiting: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        await asyncio.sleep(0)  # callers already running add theirs to this group first
        while self._waiting:
            group, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
            try:
                answers = await self._flush([item for item, _ in group])
            except Exception as exc:  # each caller of the group gets it, as if it wrote alone
                _settle(group, exc)
                continue
            except BaseException:  # the writer itself is stopped: nobody is left waiting
                for _, future in (*group, *self._waiting):
                    future.cancel()
                self._waiting = []
                raise
            for (_, future), answer in zip(group, answers, strict=True):
                if not future.done():
                    future.set_result(answer)


def _settle(group: list[tuple[Item, asyncio.Future[Answer]]], error: Exception) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)
