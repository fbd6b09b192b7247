"""Cards on file and paid beach fees in the service's database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pause.adapters.orm import cards_on_file, fee_payments
from pause.domain.card_on_file import CardOnFile
from shared.db.upsert import insert_for, upsert
from shared.money import Money


class SqlCardsOnFile:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def remember(
        self, customer_id: str, card: CardOnFile, updated_at: datetime, sequence: int | None
    ) -> None:
        values = card.__dict__ | {
            "customer_id": customer_id,
            "updated_at": updated_at,
            "sequence": sequence or 0,
        }
        t = cards_on_file
        statement = insert_for(self.connection.dialect.name, t).values(**values)
        changes = {name: statement.excluded[name] for name in values if name != "customer_id"}
        newer = t.c.sequence < statement.excluded.sequence
        if sequence is None:
            newer = t.c.updated_at <= statement.excluded.updated_at
        await self.connection.execute(
            statement.on_conflict_do_update(index_elements=[t.c.customer_id], set_=changes, where=newer)
        )

    async def of(self, customer_id: str) -> CardOnFile | None:
        t = cards_on_file
        row = (await self.connection.execute(select(t).where(t.c.customer_id == customer_id))).first()
        return CardOnFile(row.brand, row.last4, row.exp_month, row.exp_year) if row else None


class SqlBeachFeePayments:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def paid(self, invoice_id: str, subscription_id: str, total: Money, paid_at: datetime) -> None:
        row = {
            "invoice_id": invoice_id,
            "subscription_id": subscription_id,
            "amount": total.amount,
            "currency": total.currency,
            "paid_at": paid_at,
        }
        await upsert(self.connection, fee_payments, row, key=["invoice_id"])
