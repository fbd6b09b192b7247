"""Pause's copy of what billing and dunning said about each subscription.

Eligibility needs the status, the paid period's end, the plan's beach fee and whether
a dunning case is open. Pause may not read billing's or dunning's tables, so it keeps
this replica, fed from `billing.events` and `dunning.events` through its inbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from pause.adapters.orm import fee_payments, subscription_views
from shared.contracts.base import CloudEvent
from shared.contracts.billing import ChargeContext, InvoicePaid, SubscriptionCreated
from shared.db.upsert import upsert
from shared.unit_of_work import SqlUnitOfWork

BEACH_OFFER_TEMPLATE = "dunning.beach_offer"


async def _set(uow: SqlUnitOfWork, subscription_id: str, **values: object) -> None:
    await uow.session.execute(
        update(subscription_views).where(subscription_views.c.id == subscription_id).values(**values)
    )


async def subscription_created(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    data: SubscriptionCreated = event.data
    fee = data.beach_fee
    await upsert(
        uow.session,
        subscription_views,
        {
            "id": data.subscription_id,
            "customer_id": data.customer_id,
            "plan_code": data.plan_code,
            "price_amount": data.price.amount,
            "price_currency": data.price.currency,
            "beach_fee_amount": fee.amount if fee else None,
            "beach_fee_currency": fee.currency if fee else None,
            "status": data.status,
            "current_period_start": data.current_period_start,
            "current_period_end": data.current_period_end,
            "open_dunning_case": False,
            "dunning_offer_open": False,
        },
        key=["id"],
    )


async def period_changed(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    """`subscription.renewed` and `subscription.resumed` both start a new paid period."""
    data = event.data
    status = {"subscription.resumed": {"status": "active"}}.get(event.type, {})
    await _set(
        uow,
        data.subscription_id,
        current_period_start=data.current_period_start,
        current_period_end=data.current_period_end,
        **status,
    )


async def status_changed(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    status = {
        "subscription.past_due": "past_due",
        "subscription.paused": "paused",
        "subscription.canceled": "canceled",
    }[event.type]
    await _set(uow, event.data.subscription_id, status=status)


async def dunning_case_opened(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    await _set(uow, event.data.subscription_id, open_dunning_case=True)


async def dunning_reminder_sent(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    if event.data.template_id == BEACH_OFFER_TEMPLATE:
        await _set(uow, event.data.subscription_id, dunning_offer_open=True)


async def dunning_case_closed(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    await _set(uow, event.data.subscription_id, open_dunning_case=False, dunning_offer_open=False)


async def invoice_paid(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    """A paid subscription invoice ends `past_due`; a paid beach fee counts for the report."""
    data: InvoicePaid = event.data
    if data.context is not ChargeContext.BEACH_FEE:
        await uow.session.execute(
            update(subscription_views)
            .where(subscription_views.c.id == data.subscription_id, subscription_views.c.status == "past_due")
            .values(status="active")
        )
        return
    await upsert(
        uow.session,
        fee_payments,
        {
            "invoice_id": data.invoice_id,
            "subscription_id": data.subscription_id,
            "amount": data.total.amount,
            "currency": data.total.currency,
            "paid_at": data.paid_at,
        },
        key=["invoice_id"],
    )
