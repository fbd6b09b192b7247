"""Billing's background work: the billing run, the collector, the card updater.

One loop does all three, every `interval` seconds or when woken (a command queued a
charge, the test clock moved). Each step is safe to run concurrently on replicas.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from billing.adapters.gateways.port import PaymentGateway
from billing.service_layer.billing_run import run_until_done
from billing.service_layer.charging import collect_many
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
        interval: float = 1.0,
        concurrency: int = 8,
    ) -> None:
        super().__init__("billing run", self.tick, interval=interval)
        self.uow = uow
        self.gateway = gateway
        self.clock = clock
        self.concurrency = concurrency

    async def tick(self) -> int:
        """Do everything that is due now; returns how many things were done."""
        done = await self._card_updates()
        report = await run_until_done(self.uow)
        done += report.renewals + report.beach_fees + report.expiry_notices
        return done + await self._collect_pending()

    async def _collect_pending(self) -> int:
        collected = 0
        while True:
            async with self.uow().read_only() as work:
                ids = await work.attempts.pending_ids(200)
            if not ids:
                return collected
            done = await collect_many(ids, self.uow, self.gateway, concurrency=self.concurrency)
            collected += done
            if not done:
                return collected  # the gateway is unavailable: try again next tick

    async def _card_updates(self) -> int:
        due = getattr(self.gateway, "due_card_updates", None)
        if due is None:
            return 0
        applied = 0
        for update in due(self.clock.now()):
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
