"""Issuing invoices for a subscription period or a paused month."""

from __future__ import annotations

from datetime import datetime

from billing.domain.invoice import Invoice, InvoiceLine
from billing.domain.subscription import Subscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.billing import ChargeContext


async def issue_period_invoice(
    work: BillingUnitOfWork, subscription: Subscription, start: datetime, end: datetime
) -> Invoice:
    line = InvoiceLine(
        description=f"{subscription.plan_code} subscription",
        amount=subscription.price,
        period_start=start,
        period_end=end,
    )
    return await _issue(work, subscription, line, ChargeContext.SUBSCRIPTION)


async def issue_beach_fee_invoice(
    work: BillingUnitOfWork, subscription: Subscription, start: datetime, end: datetime
) -> Invoice:
    line = InvoiceLine(
        description="On the beach: paused month",
        amount=subscription.beach_fee,
        period_start=start,
        period_end=end,
    )
    return await _issue(work, subscription, line, ChargeContext.BEACH_FEE)


async def _issue(
    work: BillingUnitOfWork, subscription: Subscription, line: InvoiceLine, context: ChargeContext
) -> Invoice:
    now = work.clock.now()
    invoice = Invoice.issue(
        number=await work.invoices.next_number(now.year),
        customer_id=subscription.customer_id,
        subscription_id=subscription.id,
        lines=[line],
        context=context,
        now=now,
    )
    await work.invoices.add(invoice)
    return invoice
