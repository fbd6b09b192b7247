"""Dunning's background work: run the policy for every case whose moment has come.

A tick is a look at the due cases, the card-update links their reminders need (asked
of billing with no transaction open), and the run of those cases: two messages on the
bus with billing in between.
"""

from __future__ import annotations

from datetime import datetime

from dunning.adapters.portal_links import CardUpdateLinks
from dunning.service_layer.commands import (
    CheckRetention,
    CountDueCases,
    LookAtDueCases,
    NextDueAt,
    RunDueCases,
)
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.concurrency import bounded_map
from shared.periodic import PeriodicWork


class DunningScheduler(PeriodicWork):
    def __init__(
        self,
        bus: MessageBus[DunningUnitOfWork],
        links: CardUpdateLinks,
        *,
        interval: float = 30.0,
        batch: int = 200,
    ) -> None:
        super().__init__("dunning cases", self._all_due, interval=interval)
        self.bus, self.links, self.batch = bus, links, batch

    async def _all_due(self) -> None:
        while await self.tick():
            pass

    async def tick(self) -> int:
        """One batch of due cases and of due 30-day checks; answers how much was done."""
        checked = await self.bus.handle(CheckRetention(self.batch))
        due = await self.bus.handle(LookAtDueCases(self.batch))
        if not due.count:
            return checked
        links = await self._links(due.customers_needing_links)
        return checked + await self.bus.handle(RunDueCases(due.now, links, self.batch))

    async def _links(self, customer_ids: frozenset[str]) -> dict[str, str]:
        """Each customer's card-update link, a few asked of billing at a time: a payday
        brings reminders for many cases at the same moment."""
        ordered = sorted(customer_ids)
        return dict(zip(ordered, await bounded_map(self.links.link_for, ordered, at_once=8), strict=True))

    async def due_work(self) -> int:
        return await self.bus.handle(CountDueCases()) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        return await self.bus.handle(NextDueAt())
