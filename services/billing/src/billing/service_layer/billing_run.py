"""The billing run: renew what is due, charge beach fees, warn of expiring cards.

It works in batches. Each batch claims due subscriptions (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so replicas share the work and never renew one subscription
twice), issues invoices and queues their charges in one transaction; the collector
then charges them outside any transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from billing.domain.subscription import SubscriptionStatus
from billing.service_layer.charging import queue_attempt
from billing.service_layer.invoicing import issue_beach_fee_invoice, issue_period_invoice
from billing.service_layer.unit_of_work import BillingUnitOfWork

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]


@dataclass
class RunReport:
    renewals: int = 0
    beach_fees: int = 0
    expiry_notices: int = 0
    queued_attempts: list[str] = field(default_factory=list)


async def run_batch(uow: UnitOfWorkFactory, batch_size: int = 100) -> RunReport:
    """One batch of due work; an empty report means nothing was due."""
    report = RunReport()
    async with uow() as work:
        now = work.clock.now()
        for subscription in await work.subscriptions.claim_due(now, batch_size):
            if subscription.status is SubscriptionStatus.PAUSED:
                if not subscription.beach_fee_due(now):
                    continue
                start, end = subscription.beach_month()
                invoice = await issue_beach_fee_invoice(work, subscription, start, end)
                reason, report.beach_fees = "beach_fee", report.beach_fees + 1
            else:
                start, end = subscription.next_period()
                invoice = await issue_period_invoice(work, subscription, start, end)
                subscription.renew(invoice.id)
                reason, report.renewals = "renewal", report.renewals + 1
            await work.subscriptions.save(subscription)
            attempt = await queue_attempt(work, invoice, reason=reason, new_invoice=True)
            if attempt:
                report.queued_attempts.append(attempt.id)
        for method in await work.payment_methods.needing_expiry_notice(now, batch_size):
            method.announce_expiry(now)
            await work.payment_methods.save_notice(method)
            report.expiry_notices += 1
        await work.commit()
    return report


async def run_until_done(uow: UnitOfWorkFactory, batch_size: int = 100) -> RunReport:
    total = RunReport()
    while True:
        report = await run_batch(uow, batch_size)
        total.renewals += report.renewals
        total.beach_fees += report.beach_fees
        total.expiry_notices += report.expiry_notices
        total.queued_attempts += report.queued_attempts
        if not (report.renewals or report.beach_fees or report.expiry_notices):
            return total
