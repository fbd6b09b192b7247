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
from shared.db.upsert import upsert
from shared.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class CardOnFile:
    brand: str
    last4: str
    exp_month: int
    exp_year: int


async def payment_method_updated(event: CloudEvent[Any], uow: SqlUnitOfWork) -> None:
    """The newest card wins: billing makes every added card the default."""
    data: PaymentMethodUpdated = event.data
    values = {
        "customer_id": data.customer_id,
        "brand": data.brand,
        "last4": data.last4,
        "exp_month": data.exp_month,
        "exp_year": data.exp_year,
        "updated_at": event.time,
    }
    await upsert(uow.session, cards_on_file, values, key=["customer_id"])


async def card_of(session: AsyncSession, customer_id: str) -> CardOnFile | None:
    row = (
        await session.execute(select(cards_on_file).where(cards_on_file.c.customer_id == customer_id))
    ).first()
    if row is None:
        return None
    return CardOnFile(row.brand, row.last4, row.exp_month, row.exp_year)
