"""Issuing invoices for a subscription period or a paused month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.domain.invoice import Invoice, InvoiceLine
from billing.domain.subscription import Subscription
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.billing import ChargeContext


@dataclass(frozen=True)
class Charge:
    """One invoice to issue: what for, and for which subscription."""

    subscription: Subscription
    line: InvoiceLine
    context: ChargeContext


def period_charge(subscription: Subscription, start: datetime, end: datetime) -> Charge:
    line = InvoiceLine(
        description=f"{subscription.plan_code} subscription",
        amount=subscription.price,
        period_start=start,
        period_end=end,
    )
    return Charge(subscription, line, ChargeContext.SUBSCRIPTION)


def beach_fee_charge(subscription: Subscription, start: datetime, end: datetime) -> Charge:
    line = InvoiceLine(
        description="On the beach: paused month",
        amount=subscription.beach_fee,
        period_start=start,
        period_end=end,
    )
    return Charge(subscription, line, ChargeContext.BEACH_FEE)


async def issue_period_invoice(
    work: BillingUnitOfWork, subscription: Subscription, start: datetime, end: datetime
) -> Invoice:
    [invoice] = await issue(work, [period_charge(subscription, start, end)])
    return invoice


async def issue(work: BillingUnitOfWork, charges: list[Charge]) -> list[Invoice]:
    """Issue one invoice per charge, numbered in order, with one insert for all of them.

    A renewal day issues thousands: the numbers are taken as one block, which keeps
    them gapless because a rolled-back batch gives the whole block back.
    """
    if not charges:
        return []
    now = work.clock.now()
    numbers = await work.invoices.next_numbers(now.year, len(charges))
    invoices = [
        Invoice.issue(
            number=number,
            customer_id=charge.subscription.customer_id,
            subscription_id=charge.subscription.id,
            lines=[charge.line],
            context=charge.context,
            now=now,
        )
        for number, charge in zip(numbers, charges, strict=True)
    ]
    await work.invoices.add_many(invoices)
    return invoices
