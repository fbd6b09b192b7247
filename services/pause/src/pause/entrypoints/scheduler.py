"""Pause's background work: start, remind and end pauses as their moments come."""

from __future__ import annotations

from datetime import datetime

from pause.service_layer.handlers import Bus
from pause.service_layer.messages import CountDuePauseMoments, NextPauseMoment, RunDuePauseMoments
from shared.periodic import PeriodicWork


class PauseScheduler(PeriodicWork):
    def __init__(self, bus: Bus, *, interval: float = 5.0) -> None:
        super().__init__("pause moments", self._all_due, interval=interval)
        self.bus = bus

    async def _all_due(self) -> None:
        while await self.bus.handle(RunDuePauseMoments()):
            pass

    async def due_work(self) -> int:
        return await self.bus.handle(CountDuePauseMoments()) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        return await self.bus.handle(NextPauseMoment())
