"""Dunning's background loop: run the policy for every case whose moment has come."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from dunning.adapters.portal_links import CardUpdateLinks
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.run import run_due
from dunning.service_layer.unit_of_work import DunningUnitOfWork

log = logging.getLogger(__name__)


class DunningScheduler:
    def __init__(
        self,
        uow: Callable[[], DunningUnitOfWork],
        book: PolicyBook,
        links: CardUpdateLinks,
        *,
        interval: float = 30.0,
    ) -> None:
        self.uow, self.book, self.links, self.interval = uow, book, links, interval
        self._wakeup = asyncio.Event()
        self.busy = False

    def wake(self) -> None:
        self._wakeup.set()

    async def due_work(self) -> int:
        async with self.uow() as work:
            return await work.cases.count_due(work.clock.now()) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        async with self.uow() as work:
            return await work.cases.next_due_at()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.busy = True
            try:
                while await run_due(self.uow, self.book, self.links):
                    pass
            except Exception:
                log.exception("dunning scheduler failed")
            finally:
                self.busy = False
            self._wakeup.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wakeup.wait())]
            await asyncio.wait(waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
