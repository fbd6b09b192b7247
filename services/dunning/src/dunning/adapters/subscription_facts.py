"""What dunning remembers of billing's facts, so that facts arriving out of order still
end the right cases: invoices paid, and the newest pause or cancel per subscription."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters.orm import settled_invoices, subscription_states
from shared.db.bulk import among, dialect_name
from shared.db.read_ahead import ReadAhead
from shared.db.upsert import insert_for


@cache
def _paid_among(dialect: str) -> Select[Any]:
    t = settled_invoices
    return select(t.c.invoice_id).where(among(t.c.invoice_id, "invoice_ids", dialect))


@cache
def _states_of(dialect: str) -> Select[Any]:
    t = subscription_states
    return select(t.c.subscription_id, t.c.status, t.c.sequence).where(
        among(t.c.subscription_id, "subscription_ids", dialect)
    )


@cache
def _newer_state(dialect: str) -> Any:
    """Insert a subscription's fact, or replace the stored one if this one is newer."""
    t = subscription_states
    statement = insert_for(dialect, t)
    return statement.on_conflict_do_update(
        index_elements=[t.c.subscription_id],
        set_={"status": statement.excluded.status, "sequence": statement.excluded.sequence},
        where=t.c.sequence < statement.excluded.sequence,
    )


class SqlSettledInvoices:
    """Invoices billing reported paid, whatever order their facts arrived in."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._paid: ReadAhead[str, bool] = ReadAhead()
        self._waiting: dict[str, dict[str, object]] = {}

    async def read_ahead(self, invoice_ids: Iterable[str]) -> None:
        wanted = self._paid.unknown(invoice_ids)
        if wanted:
            query = _paid_among(dialect_name(self.connection))
            found = await self.connection.execute(query, {"invoice_ids": wanted})
            self._paid.learn(wanted, {invoice_id: True for invoice_id in found.scalars()})

    async def remember(self, invoice_id: str, subscription_id: str, paid_at: datetime) -> None:
        """Kept, and written with the batch's others at `flush`: a renewal day reports
        every invoice paid twice (`payment.succeeded`, `invoice.paid`), and each was an
        insert of its own. The first report of an invoice is the one kept, as the
        database's ON CONFLICT DO NOTHING keeps the first row."""
        if self._paid.knows(invoice_id) and self._paid.get(invoice_id):
            return
        self._paid.put(invoice_id, True)
        self._waiting[invoice_id] = {
            "invoice_id": invoice_id, "subscription_id": subscription_id, "paid_at": paid_at,
        }  # fmt: skip

    async def flush(self) -> None:
        if self._waiting:
            rows, self._waiting = list(self._waiting.values()), {}
            statement = insert_for(dialect_name(self.connection), settled_invoices).on_conflict_do_nothing()
            await self.connection.execute(statement, rows)

    async def is_paid(self, invoice_id: str) -> bool:
        if not self._paid.knows(invoice_id):
            await self.read_ahead([invoice_id])
        return bool(self._paid.get(invoice_id))


class SqlSubscriptionStates:
    """The newest pause or cancel fact billing reported per subscription, with its sequence."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._newest: ReadAhead[str, tuple[str, int]] = ReadAhead()
        self._waiting: dict[str, dict[str, object]] = {}

    async def read_ahead(self, subscription_ids: Iterable[str]) -> None:
        wanted = self._newest.unknown(subscription_ids)
        if wanted:
            query = _states_of(dialect_name(self.connection))
            found = await self.connection.execute(query, {"subscription_ids": wanted})
            self._newest.learn(wanted, {row.subscription_id: (row.status, row.sequence) for row in found})

    async def remember(self, subscription_id: str, status: str, sequence: int | None) -> None:
        """Keep the fact if it is newer than the one stored, and write it at `flush`, with
        the batch's others. The stored fact was read ahead for the batch; the write still
        keeps the newer of the two in the database, in case another replica stored one
        since."""
        if not self._newest.knows(subscription_id):
            await self.read_ahead([subscription_id])
        newest, number = self._newest.get(subscription_id), sequence or 0
        if newest is not None and newest[1] >= number:
            return
        self._newest.put(subscription_id, (status, number))
        fact = {"subscription_id": subscription_id, "status": status, "sequence": number}
        self._waiting[subscription_id] = fact

    async def flush(self) -> None:
        if self._waiting:
            rows, self._waiting = list(self._waiting.values()), {}
            await self.connection.execute(_newer_state(dialect_name(self.connection)), rows)

    async def latest_status(self, subscription_id: str) -> str | None:
        if not self._newest.knows(subscription_id):
            await self.read_ahead([subscription_id])
        newest = self._newest.get(subscription_id)
        return None if newest is None else newest[0]

    async def ended_after(self, subscription_id: str, sequence: int | None) -> str | None:
        """`canceled` or `paused` if billing said so after the fact numbered `sequence`."""
        if not self._newest.knows(subscription_id):
            await self.read_ahead([subscription_id])
        newest = self._newest.get(subscription_id)
        if newest is None or sequence is None or newest[1] <= sequence:
            return None
        return newest[0]
