"""The billing run's batches: a batch as large as the scheduler's, raced by a second
runner, still renews each subscription once and queues one charge for it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from services.billing.tests.integration.test_billing_runners_and_webhooks import PLAN, START, service_on
from sqlalchemy import func, select

from billing.adapters.orm import invoices, payment_attempts
from billing.domain.subscription import Subscription
from billing.service_layer.billing_run import BATCH_SIZE, RunDueWork, run_until_done
from shared.clock import TestClock
from shared.testing.databases import DatabaseFactory

DUE = BATCH_SIZE + 37  # more than one batch, so the second is a partial one


async def test_the_scheduler_asks_for_the_large_batches() -> None:
    assert RunDueWork().batch_size == BATCH_SIZE >= 500


async def test_two_runners_in_full_batches_invoice_and_queue_each_renewal_once(
    databases: DatabaseFactory,
) -> None:
    url, clock = await databases.new("batches"), TestClock(START)
    first, second = await service_on(url, clock), await service_on(url, clock)
    async with first.unit_of_work() as work:
        for _ in range(DUE):
            work.track(subscription := Subscription.start(customer_id="cus_1", plan=PLAN, now=START))
            await work.subscriptions.add(subscription)
        await work.commit()
    clock.move_to(START + timedelta(days=31))

    reports = await asyncio.gather(run_until_done(first.unit_of_work), run_until_done(second.unit_of_work))

    queued = [attempt for report in reports for attempt in report.queued_attempts]
    assert sum(r.renewals for r in reports) == DUE
    assert len(queued) == len(set(queued)) == DUE
    async with first.engine.connect() as conn:
        invoiced = (await conn.execute(select(invoices.c.subscription_id, invoices.c.number))).all()
        attempts = (
            await conn.execute(
                select(
                    payment_attempts.c.invoice_id,
                    func.count(),
                    func.count(payment_attempts.c.idempotency_key),
                )
                .where(payment_attempts.c.status == "pending")
                .group_by(payment_attempts.c.invoice_id)
            )
        ).all()
    assert len({subscription for subscription, _ in invoiced}) == len(invoiced) == DUE
    assert sorted(n for _, n in invoiced) == [f"2026-{n:06d}" for n in range(1, DUE + 1)], "gapless"
    assert len(attempts) == DUE
    assert {(count, keys) for _, count, keys in attempts} == {(1, 1)}, "one keyed charge per invoice"
    for service in (first, second):
        await service.engine.dispose()
