"""Dunning's background work: run the policy for every case whose moment has come.

A tick is a look at the due cases and the run of those cases: two messages on the bus.
"""

from __future__ import annotations

from datetime import datetime

from dunning.service_layer.commands import (
    CheckRetention,
    CountDueCases,
    LookAtDueCases,
    NextDueAt,
    RunDueCases,
)
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.periodic import PeriodicWork


class DunningScheduler(PeriodicWork):
    def __init__(
        self,
        bus: MessageBus[DunningUnitOfWork],
        *,
        interval: float = 30.0,
        batch: int = 200,
    ) -> None:
        super().__init__("dunning cases", self._all_due, interval=interval)
        self.bus, self.batch = bus, batch

    async def _all_due(self) -> None:
        while await self.tick():
            pass

    async def tick(self) -> int:
        """One batch of due cases and of due 30-day checks; answers how much was done."""
        checked = await self.bus.handle(CheckRetention(self.batch))
        due = await self.bus.handle(LookAtDueCases(self.batch))
        if not due.count:
            return checked
        return checked + await self.bus.handle(RunDueCases(due.now, self.batch))

    async def due_work(self) -> int:
        return await self.bus.handle(CountDueCases()) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        return await self.bus.handle(NextDueAt())
