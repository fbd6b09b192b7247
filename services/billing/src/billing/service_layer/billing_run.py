"""The billing run: renew what is due, charge beach fees, warn of expiring cards.

It works in batches. Each batch claims due subscriptions (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so replicas share the work and never renew one subscription
twice), issues invoices and queues their charges in one transaction; the collector
then charges them outside any transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from billing.metrics import RENEWAL_DAY_DONE, RENEWAL_DAY_TO_DO
from billing.service_layer.charging import queue_first_attempts
from billing.service_layer.invoicing import Charge, beach_fee_charge, issue, period_charge
from billing.service_layer.unit_of_work import BillingUnitOfWork, UnitOfWorkFactory
from shared.bus import Command, Query
from shared.contracts.billing import ChargeContext

log = logging.getLogger(__name__)

BATCH_SIZE = 500
"""Due subscriptions per transaction. Each batch costs a dozen statements and a commit
whatever its size, which at 100 was a fifth of a renewal's CPU; 500 locks a few
seconds' worth of renewals at once, and a replica skips them and claims the next."""


@dataclass
class RunReport:
    renewals: int = 0
    beach_fees: int = 0
    expiry_notices: int = 0
    queued_attempts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunDueWork(Command[RunReport]):
    """Renew, charge beach fees and announce expiring cards, until nothing is due."""

    batch_size: int = BATCH_SIZE


@dataclass(frozen=True)
class CountDueWork(Query[int]):
    """Subscriptions due and charges pending: what the test clock waits on."""


@dataclass(frozen=True)
class NextDueAt(Query[datetime | None]):
    """The earliest renewal or beach fee ahead: the test clock stops there."""


async def run_due_work(command: RunDueWork, uow: UnitOfWorkFactory) -> RunReport:
    return await run_until_done(uow, command.batch_size)


async def count_due_work(query: CountDueWork, work: BillingUnitOfWork) -> int:
    now = work.clock.now()
    return await work.subscriptions.count_due(now) + await work.attempts.count_pending(due_by=now)


async def next_due_at(query: NextDueAt, work: BillingUnitOfWork) -> datetime | None:
    moments = [await work.subscriptions.next_due_at(), await work.attempts.next_held_until()]
    return min((moment for moment in moments if moment is not None), default=None)


async def run_batch(uow: UnitOfWorkFactory, batch_size: int = BATCH_SIZE) -> RunReport:
    """One batch of due work; an empty report means nothing was due.

    The batch's invoices, charges and subscription changes are written with one
    statement each rather than one per subscription: a renewal day renews everyone.
    """
    report = RunReport()
    async with uow() as work:
        now = work.clock.now()
        charges: list[Charge] = []
        for subscription in await work.subscriptions.claim_due(now, batch_size):
            if subscription.beach_fee_due(now):  # the domain decides; the query only narrows
                charges.append(beach_fee_charge(subscription, *subscription.beach_month()))
            elif subscription.is_due_for_renewal(now):
                charges.append(period_charge(subscription, *subscription.next_period()))
        invoices = await issue(work, charges)
        reasons = []
        for charge, invoice in zip(charges, invoices, strict=True):
            if charge.context is ChargeContext.BEACH_FEE:
                reasons.append((invoice, "beach_fee"))
                report.beach_fees += 1
            else:
                charge.subscription.renew(invoice.id)
                reasons.append((invoice, "renewal"))
                report.renewals += 1
        await work.subscriptions.save_many([charge.subscription for charge in charges])
        report.queued_attempts = [a.id for a in await queue_first_attempts(work, reasons)]
        for method in await work.payment_methods.needing_expiry_notice(now, batch_size):
            method.announce_expiry(now)
            await work.payment_methods.save_notice(method)
            report.expiry_notices += 1
        await work.commit()
    return report


async def run_until_done(uow: UnitOfWorkFactory, batch_size: int = BATCH_SIZE) -> RunReport:
    """Batch after batch until nothing is due; a renewal day says how it is going after
    each batch (a log line and the `billing_run_*` metrics): done, to do, and the rate."""
    total, started = RunReport(), time.monotonic()
    due_at_start: int | None = None  # counted once a batch found work, not on every idle tick
    while True:
        report = await run_batch(uow, batch_size)
        total.renewals += report.renewals
        total.beach_fees += report.beach_fees
        total.expiry_notices += report.expiry_notices
        total.queued_attempts += report.queued_attempts
        if not (report.renewals or report.beach_fees or report.expiry_notices):
            return total
        if due_at_start is None:
            async with uow().read_only() as work:
                due_at_start = report.renewals + report.beach_fees
                due_at_start += await work.subscriptions.count_due(work.clock.now())
        _progress(report, total, due_at_start, time.monotonic() - started)


def _progress(batch: RunReport, total: RunReport, due_at_start: int, elapsed: float) -> None:
    RENEWAL_DAY_DONE.labels("renewal").inc(batch.renewals)
    RENEWAL_DAY_DONE.labels("beach_fee").inc(batch.beach_fees)
    done = total.renewals + total.beach_fees
    to_do = max(due_at_start - done, 0)
    RENEWAL_DAY_TO_DO.set(to_do)
    log.info(
        "billing run batch",
        extra={"done": done, "to_do": to_do, "per_second": round(done / elapsed, 1) if elapsed else None},
    )
