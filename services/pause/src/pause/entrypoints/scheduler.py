"""Pause's background loop: start, remind and end pauses as their moments come."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pause.domain.policy import PausePolicies
from pause.service_layer.pausing import UnitOfWorkFactory
from pause.service_layer.schedule import count_due, next_due_at, run_due

log = logging.getLogger(__name__)


class PauseScheduler:
    def __init__(self, uow: UnitOfWorkFactory, policies: PausePolicies, *, interval: float = 5.0) -> None:
        self.uow, self.policies, self.interval = uow, policies, interval
        self._wakeup = asyncio.Event()
        self.busy = False

    def wake(self) -> None:
        self._wakeup.set()

    async def due_work(self) -> int:
        return await count_due(self.uow, self.policies) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        return await next_due_at(self.uow, self.policies)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.busy = True
            try:
                while await run_due(self.uow, self.policies):
                    pass
            except Exception:
                log.exception("pause scheduler failed")
            finally:
                self.busy = False
            self._wakeup.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wakeup.wait())]
            await asyncio.wait(waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
