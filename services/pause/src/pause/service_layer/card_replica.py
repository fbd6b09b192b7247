"""Pause's copy of each customer's default card, for the portal's "card on file" line.

Billing owns payment methods; pause may not read its tables, so the portal learns the
brand, last four digits and expiry from `payment_method.updated`. Only those display
fields are kept: never a gateway reference, which the portal has no use for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pause.adapters.orm import cards_on_file
from shared.contracts.base import CloudEvent
from shared.contracts.billing import PaymentMethodUpdated
from shared.db.upsert import insert_for
from shared.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class CardOnFile:
    brand: str
    last4: str
    exp_month: int
    exp_year: int


async def payment_method_updated(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    """The newest card wins: billing makes every added card the default. Newest by the
    customer's own sequence, so an old card's event redelivered late changes nothing."""
    data: PaymentMethodUpdated = event.data
    values = {
        "customer_id": data.customer_id,
        "brand": data.brand,
        "last4": data.last4,
        "exp_month": data.exp_month,
        "exp_year": data.exp_year,
        "updated_at": event.time,
        "sequence": data.sequence or 0,
    }
    t = cards_on_file
    statement = insert_for(uow.session.get_bind().dialect.name, t).values(**values)
    changes = {name: statement.excluded[name] for name in values if name != "customer_id"}
    newer = t.c.sequence < statement.excluded.sequence
    if data.sequence is None:
        newer = t.c.updated_at <= statement.excluded.updated_at
    await uow.session.execute(
        statement.on_conflict_do_update(index_elements=[t.c.customer_id], set_=changes, where=newer)
    )


async def card_of(session: AsyncSession, customer_id: str) -> CardOnFile | None:
    row = (
        await session.execute(select(cards_on_file).where(cards_on_file.c.customer_id == customer_id))
    ).first()
    if row is None:
        return None
    return CardOnFile(row.brand, row.last4, row.exp_month, row.exp_year)
