"""Billing's background work: the billing run, the collector, the card updater.

One loop does all three, every `interval` seconds or when woken (a command queued a
charge, the test clock moved). Each step is safe to run concurrently on replicas: the
run claims due subscriptions with SKIP LOCKED, and the collector sends only the pending
attempts whose lease it took. Each step is a message to the bus.
"""

from __future__ import annotations

from datetime import datetime

from billing.adapters.gateways.port import CardUpdater
from billing.service_layer.billing_run import CountDueWork, NextDueAt, RunDueWork
from billing.service_layer.collection import CollectPending
from billing.service_layer.payment_methods import ApplyCardUpdate
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import MessageBus
from shared.clock import Clock
from shared.periodic import PeriodicWork


class BillingScheduler(PeriodicWork):
    def __init__(
        self,
        bus: MessageBus[BillingUnitOfWork],
        clock: Clock,
        *,
        card_updater: CardUpdater | None = None,
        interval: float = 1.0,
    ) -> None:
        super().__init__("billing run", self.tick, interval=interval)
        self.bus = bus
        self.clock = clock
        self.card_updater = card_updater

    async def tick(self) -> int:
        """Do everything that is due now; returns how many things were done."""
        done = await self._card_updates()
        report = await self.bus.handle(RunDueWork())
        done += report.renewals + report.beach_fees + report.expiry_notices
        return done + await self.bus.handle(CollectPending())

    async def _card_updates(self) -> int:
        if self.card_updater is None:
            return 0
        updates = await self.card_updater.due_card_updates(self.clock.now())
        return sum([await self.bus.handle(ApplyCardUpdate(u.gateway_customer, u.new_card)) for u in updates])

    async def due_work(self) -> int:
        """What is due now but not done: the test clock waits for this to reach zero."""
        return await self.bus.handle(CountDueWork()) + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        return await self.bus.handle(NextDueAt())
