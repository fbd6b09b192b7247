"""Billing's background work: the billing run, the collector, the card updater.

One loop does all three, every `interval` seconds or when woken (a command queued a
charge, the test clock moved). Each step is safe to run concurrently on replicas: the
run claims due subscriptions with SKIP LOCKED, and the collector sends only the pending
attempts whose lease it took.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from billing.adapters.gateways.port import CardUpdater, PaymentGateway
from billing.service_layer.billing_run import run_until_done
from billing.service_layer.collection import collect_pending
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.payment_methods import store_default_card
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.clock import Clock
from shared.periodic import PeriodicWork


class BillingScheduler(PeriodicWork):
    def __init__(
        self,
        uow: Callable[[], BillingUnitOfWork],
        gateway: PaymentGateway,
        clock: Clock,
        *,
        leases: ChargeLeases | None = None,
        card_updater: CardUpdater | None = None,
        interval: float = 1.0,
        concurrency: int = 8,
    ) -> None:
        super().__init__("billing run", self.tick, interval=interval)
        self.uow = uow
        self.gateway = gateway
        self.clock = clock
        self.leases = leases or ChargeLeases()
        self.card_updater = card_updater
        self.concurrency = concurrency

    async def tick(self) -> int:
        """Do everything that is due now; returns how many things were done."""
        done = await self._card_updates()
        report = await run_until_done(self.uow)
        done += report.renewals + report.beach_fees + report.expiry_notices
        return done + await self._collect_pending()

    async def _collect_pending(self) -> int:
        return await collect_pending(self.uow, self.gateway, self.leases, concurrency=self.concurrency)

    async def _card_updates(self) -> int:
        if self.card_updater is None:
            return 0
        applied = 0
        for update in await self.card_updater.due_card_updates(self.clock.now()):
            async with self.uow().read_only() as work:
                customer = await work.customers.by_gateway_customer(update.gateway_customer)
            if customer is not None:
                await store_default_card(customer.id, update.new_card, self.uow, source="card_updater")
                applied += 1
        return applied

    async def due_work(self) -> int:
        """What is due now but not done: the test clock waits for this to reach zero."""
        async with self.uow().read_only() as work:
            due = await work.subscriptions.count_due(work.clock.now())
            return due + await work.attempts.count_pending() + int(self.busy)

    async def next_due_at(self) -> datetime | None:
        async with self.uow().read_only() as work:
            return await work.subscriptions.next_due_at()
