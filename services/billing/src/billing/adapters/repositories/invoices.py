"""Invoices, numbered without gaps per year."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects import postgresql, sqlite

from billing.adapters.orm import (
    invoice_counters,
    invoices,
    payment_attempts,
    payment_methods,
)
from billing.adapters.repositories.base import _Repository, money_of
from billing.domain.invoice import CardUsed, Invoice, InvoiceLine, InvoiceStatus, invoice_number
from billing.domain.payment import AttemptStatus
from shared.contracts.billing import ChargeContext
from shared.db.bulk import insert_rows
from shared.db.read_ahead import ReadAhead


def _lines_json(lines: list[InvoiceLine]) -> str:
    return json.dumps(
        [
            {
                "description": line.description,
                "amount": {"amount": line.amount.amount, "currency": line.amount.currency},
                "period_start": line.period_start.isoformat(),
                "period_end": line.period_end.isoformat(),
            }
            for line in lines
        ]
    )


def _lines(text: str) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            description=item["description"],
            amount=money_of(item["amount"]["amount"], item["amount"]["currency"]),
            period_start=datetime.fromisoformat(item["period_start"]),
            period_end=datetime.fromisoformat(item["period_end"]),
        )
        for item in json.loads(text)
    ]


class SqlInvoiceRepository(_Repository):
    _open: ReadAhead[str, list[dict[str, Any]]] | None = None

    async def read_ahead_open(self, subscription_ids: Collection[str]) -> None:
        """The open invoices of a batch's subscriptions in one statement; each
        subscription's answer holds until the transaction writes one of its invoices."""
        ahead = self._open = self._open or ReadAhead()
        if unknown := ahead.unknown(subscription_ids):
            found: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
            rows = await self._among(
                invoices, "subscription_id", unknown, guard="invoice open", order_by="number"
            )
            for values in rows:
                found[values["subscription_id"]].append(values)
            ahead.learn(unknown, found)

    async def open_for_subscription(self, subscription_id: str) -> list[Invoice]:
        if self._open is None or not self._open.knows(subscription_id):
            await self.read_ahead_open([subscription_id])
        assert self._open is not None
        return [self._invoice(row) for row in self._open.get(subscription_id) or []]

    def _wrote(self, many: list[Invoice]) -> None:
        if self._open is not None:
            for invoice in many:
                self._open.forget(invoice.subscription_id)

    async def next_numbers(self, year: int, count: int) -> list[str]:
        """Take the year's next `count` numbers in one atomic upsert.

        The counter row stays locked until the invoices' transaction commits, so numbers
        are gapless: a rolled-back batch gives its numbers back. Even the year's first
        invoice, raced by two runners, gets a distinct number.
        """
        c = invoice_counters
        dialect: Any = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(c)
            .values(year=year, last_number=count)
            .on_conflict_do_update(index_elements=[c.c.year], set_={"last_number": c.c.last_number + count})
            .returning(c.c.last_number)
        )
        last = int((await self.connection.execute(statement)).scalar_one())
        return [invoice_number(year, n) for n in range(last - count + 1, last + 1)]

    async def add_many(self, many: list[Invoice]) -> None:
        """One insert for a batch: row-by-row statements cost more than the rows."""
        if many:
            await insert_rows(self.connection, invoices, [self._values(invoice) for invoice in many])
        for invoice in many:
            self._track(invoice)
        self._wrote(many)

    async def save(self, invoice: Invoice) -> None:
        await self.save_many([invoice])

    async def save_many(self, many: list[Invoice]) -> None:
        if many:
            rows = [self._values(invoice) | {"match_id": invoice.id} for invoice in many]
            await self._update_many(invoices, rows, "invoice", matching={"match_id": invoices.c.id})
        self._wrote(many)

    def _values(self, invoice: Invoice) -> dict[str, object]:
        return {
            "id": invoice.id,
            "number": invoice.number,
            "customer_id": invoice.customer_id,
            "subscription_id": invoice.subscription_id,
            "currency": invoice.currency,
            "total_amount": invoice.total.amount,
            "lines": _lines_json(invoice.lines),
            "status": invoice.status.value,
            "context": invoice.context.value,
            "created_at": invoice.created_at,
            "paid_at": invoice.paid_at,
        }

    def _invoice(self, row: Row[Any] | dict[str, Any]) -> Invoice:
        values = row if isinstance(row, dict) else row._mapping
        invoice = Invoice(
            id=values["id"],
            number=values["number"],
            customer_id=values["customer_id"],
            subscription_id=values["subscription_id"],
            currency=values["currency"],
            lines=_lines(values["lines"]),
            status=InvoiceStatus(values["status"]),
            context=ChargeContext(values["context"]),
            created_at=values["created_at"],
            paid_at=values["paid_at"],
        )
        self._track(invoice)
        return invoice

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None:
        row = await self._one(invoices, invoices.c.id == invoice_id, lock=lock)
        return self._invoice(row) if row else None

    async def get_many(self, invoice_ids: Collection[str], *, lock: bool = False) -> dict[str, Invoice]:
        rows = await self._among(invoices, "id", invoice_ids, lock=lock)
        return {values["id"]: self._invoice(values) for values in rows}

    async def for_subscription(self, subscription_id: str, *, after: str | None, limit: int) -> list[Invoice]:
        return await self._page(invoices.c.subscription_id == subscription_id, after, limit)

    async def for_customer(self, customer_id: str, *, after: str | None, limit: int) -> list[Invoice]:
        return await self._page(invoices.c.customer_id == customer_id, after, limit)

    async def _page(self, where: Any, after: str | None, limit: int) -> list[Invoice]:
        query = select(invoices).where(where)
        if after:
            query = query.where(invoices.c.number > after)
        rows = await self.connection.execute(query.order_by(invoices.c.number).limit(limit))
        return [self._invoice(row) for row in rows]

    async def cards_that_paid(self, invoice_ids: Collection[str]) -> dict[str, CardUsed]:
        """The succeeded attempt's card, found by the gateway's id among the customer's cards."""
        a, pm = payment_attempts, payment_methods
        query = (
            select(a.c.invoice_id, pm.c.brand, pm.c.last4)
            .join(
                pm,
                (pm.c.gateway_payment_method == a.c.gateway_payment_method)
                & (pm.c.customer_id == a.c.customer_id),
            )
            .where(a.c.invoice_id.in_(list(invoice_ids)), a.c.status == AttemptStatus.SUCCEEDED.value)
        )
        return {
            row.invoice_id: CardUsed(row.brand, row.last4) for row in await self.connection.execute(query)
        }
