"""Dunning's background work: run the policy for every case whose moment has come."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dunning.adapters.portal_links import CardUpdateLinks
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.run import run_due
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.periodic import PeriodicWork


class DunningScheduler(PeriodicWork):
    def __init__(
        self,
        uow: Callable[[], DunningUnitOfWork],
        book: PolicyBook,
        links: CardUpdateLinks,
        *,
        interval: float = 30.0,
    ) -> None:
        super().__init__("dunning cases", self._all_due, interval=interval)
        self.uow, self.book, self.links = uow, book, links

    async def _all_due(self) -> None:
        while await run_due(self.uow, self.book, self.links):
            pass

    async def due_work(self) -> int:
        async with self.uow().read_only() as work:
            return await work.cases.count_due(work.clock.now()) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        async with self.uow().read_only() as work:
            return await work.cases.next_due_at()
