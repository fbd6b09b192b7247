"""Pause's background work: start, remind and end pauses as their moments come."""

from __future__ import annotations

from datetime import datetime

from pause.domain.policy import PausePolicies
from pause.service_layer.schedule import count_due, next_due_at, run_due
from pause.service_layer.unit_of_work import UnitOfWorkFactory
from shared.periodic import PeriodicWork


class PauseScheduler(PeriodicWork):
    def __init__(self, uow: UnitOfWorkFactory, policies: PausePolicies, *, interval: float = 5.0) -> None:
        super().__init__("pause moments", self._all_due, interval=interval)
        self.uow, self.policies = uow, policies

    async def _all_due(self) -> None:
        while await run_due(self.uow, self.policies):
            pass

    async def due_work(self) -> int:
        return await count_due(self.uow, self.policies) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        return await next_due_at(self.uow, self.policies)
