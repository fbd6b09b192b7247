"""Pause's copy of what billing and dunning said about each subscription.

Eligibility needs the status, the paid period's end, the plan's beach fee and whether
a dunning case is open. Pause may not read billing's or dunning's tables, so it keeps
this replica, fed from `billing.events` and `dunning.events` through its inbox.

Facts can arrive out of order (a replay, a dead letter put back, a rebalance), so each
part of the replica keeps the sequence of the fact it came from, and an older fact never
overwrites a newer one: a `subscription.renewed` that arrives before its
`subscription.created` still leaves the renewed period. A subscription's dunning cases
only ever move forward (open, beach offered, closed), so the replica keeps each case and
derives the subscription's two flags from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, true, update

from pause.adapters.orm import dunning_case_views, fee_payments, subscription_views
from shared.contracts.base import CloudEvent
from shared.contracts.billing import ChargeContext, InvoicePaid, SubscriptionCreated
from shared.db.upsert import insert_for, upsert
from shared.unit_of_work import SqlUnitOfWork

BEACH_OFFER_TEMPLATE = "dunning.beach_offer"
STATUS_OF = {
    "subscription.created": None,  # the created event says its own
    "subscription.renewed": None,
    "subscription.resumed": "active",
    "subscription.past_due": "past_due",
    "subscription.paused": "paused",
    "subscription.canceled": "canceled",
}


def _newer(column: Any, sequence: int | None) -> ColumnElement[bool]:
    """Whether a fact with `sequence` is newer than the part it would change (a fact
    without one, from before sequences existed, is taken as it comes)."""
    return true() if sequence is None else column < sequence


async def _known(uow: SqlUnitOfWork, subscription_id: str, customer_id: str) -> None:
    """The row every fact updates; created empty if this is the first fact heard."""
    row = {
        "id": subscription_id,
        "customer_id": customer_id,
        "open_dunning_case": False,
        "dunning_offer_open": False,
    }
    dialect = uow.session.get_bind().dialect.name
    await uow.session.execute(insert_for(dialect, subscription_views).values(**row).on_conflict_do_nothing())


async def _status(uow: SqlUnitOfWork, subscription_id: str, status: str, sequence: int | None) -> None:
    v = subscription_views
    values: dict[str, Any] = {"status": status}
    if sequence is not None:
        values["status_sequence"] = sequence
    await uow.session.execute(
        update(v).where(v.c.id == subscription_id, _newer(v.c.status_sequence, sequence)).values(**values)
    )
    await _paid_up(uow, subscription_id)


async def _paid_up(uow: SqlUnitOfWork, subscription_id: str) -> None:
    """A past-due status older than the newest paid invoice is over: active again."""
    v = subscription_views
    await uow.session.execute(
        update(v)
        .where(v.c.id == subscription_id, v.c.status == "past_due", v.c.paid_sequence > v.c.status_sequence)
        .values(status="active", status_sequence=v.c.paid_sequence)
    )


async def _period(
    uow: SqlUnitOfWork, subscription_id: str, start: datetime, end: datetime, sequence: int | None
) -> None:
    v = subscription_views
    values: dict[str, Any] = {"current_period_start": start, "current_period_end": end}
    if sequence is not None:
        values["period_sequence"] = sequence
    await uow.session.execute(
        update(v).where(v.c.id == subscription_id, _newer(v.c.period_sequence, sequence)).values(**values)
    )


async def subscription_created(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    data: SubscriptionCreated = event.data
    await _known(uow, data.subscription_id, data.customer_id)
    fee = data.beach_fee
    await uow.session.execute(
        update(subscription_views)
        .where(subscription_views.c.id == data.subscription_id)
        .values(
            plan_code=data.plan_code,
            price_amount=data.price.amount,
            price_currency=data.price.currency,
            beach_fee_amount=fee.amount if fee else None,
            beach_fee_currency=fee.currency if fee else None,
        )
    )
    await _status(uow, data.subscription_id, data.status, data.sequence)
    await _period(
        uow, data.subscription_id, data.current_period_start, data.current_period_end, data.sequence
    )


async def period_changed(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    """`subscription.renewed` and `subscription.resumed` both start a new paid period."""
    data = event.data
    await _known(uow, data.subscription_id, data.customer_id)
    if plan := getattr(data, "plan_code", None):
        await uow.session.execute(
            update(subscription_views)
            .where(subscription_views.c.id == data.subscription_id)
            .values(plan_code=plan)
        )
    await _period(
        uow, data.subscription_id, data.current_period_start, data.current_period_end, data.sequence
    )
    if (status := STATUS_OF[event.type]) is not None:
        await _status(uow, data.subscription_id, status, data.sequence)


async def status_changed(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    data = event.data
    await _known(uow, data.subscription_id, data.customer_id)
    status = STATUS_OF[event.type]
    assert status is not None
    await _status(uow, data.subscription_id, status, data.sequence)


async def invoice_paid(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    """A paid subscription invoice ends `past_due` (billing says so with no subscription
    event of its own); a paid beach fee counts for the report."""
    data: InvoicePaid = event.data
    if data.context is not ChargeContext.BEACH_FEE:
        v = subscription_views
        await _known(uow, data.subscription_id, data.customer_id)
        sequence = data.sequence if data.sequence is not None else v.c.status_sequence + 1
        await uow.session.execute(
            update(v)
            .where(v.c.id == data.subscription_id, v.c.paid_sequence < sequence)
            .values(paid_sequence=sequence)
        )
        await _paid_up(uow, data.subscription_id)
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


async def _case(uow: SqlUnitOfWork, event: CloudEvent[Any], **moved: bool) -> None:
    """Record how far a dunning case got (`offered`, `closed` only ever become true), then
    derive the subscription's flags from all its cases."""
    data = event.data
    await _known(uow, data.subscription_id, data.customer_id)
    c = dunning_case_views
    row = {
        "case_id": data.case_id,
        "subscription_id": data.subscription_id,
        "offered": False,
        "closed": False,
    }
    row.update(moved)
    statement = insert_for(uow.session.get_bind().dialect.name, c).values(**row)
    if moved:
        statement = statement.on_conflict_do_update(index_elements=[c.c.case_id], set_=moved)
    else:
        statement = statement.on_conflict_do_nothing()
    await uow.session.execute(statement)
    mine = c.c.subscription_id == data.subscription_id
    still_open = exists(select(c.c.case_id).where(mine, ~c.c.closed))
    offer_open = exists(select(c.c.case_id).where(and_(mine, c.c.offered, ~c.c.closed)))
    await uow.session.execute(
        update(subscription_views)
        .where(subscription_views.c.id == data.subscription_id)
        .values(open_dunning_case=still_open, dunning_offer_open=offer_open)
    )


async def dunning_case_opened(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    await _case(uow, event)


async def dunning_reminder_sent(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    if event.data.template_id == BEACH_OFFER_TEMPLATE:
        await _case(uow, event, offered=True)
    else:
        await _case(uow, event)


async def dunning_case_closed(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    await _case(uow, event, closed=True)
