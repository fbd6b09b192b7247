"""Repositories: load and store billing's aggregates, and hand them to the unit of work.

Rows and domain objects are translated here by hand so the domain stays free of the
ORM. Subscriptions carry a version, and payment attempts change only while pending: a
save that lost a race raises instead of overwriting another process's change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, Update, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.orm import (
    customers,
    invoice_counters,
    invoices,
    payment_attempts,
    payment_methods,
    plans,
    subscriptions,
)
from billing.domain.customer import Customer
from billing.domain.invoice import Invoice, InvoiceLine, InvoiceStatus, invoice_number
from billing.domain.payment import AttemptStatus, Lease, PaymentAttempt
from billing.domain.payment_method import HEADS_UP_BEFORE_EXPIRY, PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.contracts.billing import ChargeContext
from shared.failures import ConcurrentUpdate
from shared.money import Money
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]


def _money(row: Row[Any], prefix: str) -> Money:
    return Money.of(getattr(row, f"{prefix}_amount"), getattr(row, f"{prefix}_currency"))


def _money_columns(prefix: str, money: Money) -> dict[str, object]:
    return {f"{prefix}_amount": money.amount, f"{prefix}_currency": money.currency}


class _Repository:
    def __init__(self, session: AsyncSession, track: TrackFn) -> None:
        self.session = session
        self._track = track

    async def _update_many(self, statement: Update, rows: list[dict[str, object]], what: str) -> None:
        """One executemany of a guarded update; raises if any row's guard did not hold.

        Where the driver cannot count the rows an executemany changed, each row is
        written and counted on its own.
        """
        counts_many = self.session.get_bind().dialect.supports_sane_multi_rowcount
        for batch in [rows] if len(rows) == 1 or counts_many else [[row] for row in rows]:
            result = await self.session.execute(statement, batch)
            if result.rowcount != len(batch):  # type: ignore[attr-defined]
                named = batch[0]["match_id"] if len(batch) == 1 else f"in a batch of {len(batch)}"
                raise ConcurrentUpdate(f"{what} {named} changed concurrently")

    async def _one(self, table: Table, *where: Any, lock: bool = False) -> Row[Any] | None:
        query = select(table).where(*where)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).first()

    async def _rows(self, table: Table, *where: Any, lock: bool = False) -> list[Row[Any]]:
        """Many rows at once; locked in primary-key order so two batches cannot deadlock."""
        query = select(table).where(*where)
        if lock:
            query = query.order_by(*table.primary_key.columns).with_for_update()
        return list(await self.session.execute(query))


class CustomerRepository(_Repository):
    async def add(self, customer: Customer) -> None:
        values = {k: v for k, v in customer.__dict__.items() if k != "events"}
        await self.session.execute(insert(customers).values(**values))
        self._track(customer)

    async def get(self, customer_id: str) -> Customer | None:
        row = await self._one(customers, customers.c.id == customer_id)
        if row is None:
            return None
        customer = Customer(**row._mapping)
        self._track(customer)
        return customer

    async def get_many(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        found = {}
        for row in await self._rows(customers, customers.c.id.in_(customer_ids)):
            customer = found[row.id] = Customer(**row._mapping)
            self._track(customer)
        return found

    async def by_gateway_customer(self, reference: str) -> Customer | None:
        row = await self._one(customers, customers.c.gateway_customer == reference)
        return Customer(**row._mapping) if row else None

    async def set_gateway_customer(self, customer_id: str, reference: str) -> None:
        await self.session.execute(
            update(customers).where(customers.c.id == customer_id).values(gateway_customer=reference)
        )


class PlanRepository(_Repository):
    async def add(self, plan: Plan, now: datetime) -> None:
        await self.session.execute(
            insert(plans).values(
                code=plan.code,
                name=plan.name,
                interval=plan.interval,
                created_at=now,
                **_money_columns("price", plan.price),
                **_money_columns("beach_fee", plan.beach_fee),
            )
        )

    async def get(self, code: str) -> Plan | None:
        row = await self._one(plans, plans.c.code == code)
        if row is None:
            return None
        return Plan(row.code, row.name, _money(row, "price"), row.interval, _money(row, "beach_fee"))


class PaymentMethodRepository(_Repository):
    async def add_default(self, method: PaymentMethod) -> None:
        """The new card becomes the default; the customer's other cards stop being it."""
        await self.session.execute(
            update(payment_methods)
            .where(payment_methods.c.customer_id == method.customer_id, payment_methods.c.is_default)
            .values(is_default=False)
        )
        values = {k: v for k, v in method.__dict__.items() if k != "events"}
        await self.session.execute(insert(payment_methods).values(**values))
        self._track(method)

    async def default_for(self, customer_id: str) -> PaymentMethod | None:
        row = await self._one(
            payment_methods, payment_methods.c.customer_id == customer_id, payment_methods.c.is_default
        )
        if row is None:
            return None
        method = PaymentMethod(**row._mapping)
        self._track(method)
        return method

    async def defaults_for(self, customer_ids: Collection[str]) -> dict[str, PaymentMethod]:
        """Each customer's default card, by customer id; customers without one are left out."""
        rows = await self._rows(
            payment_methods, payment_methods.c.customer_id.in_(customer_ids), payment_methods.c.is_default
        )
        found = {}
        for row in rows:
            method = found[row.customer_id] = PaymentMethod(**row._mapping)
            self._track(method)
        return found

    async def save_notice(self, method: PaymentMethod) -> None:
        await self.session.execute(
            update(payment_methods)
            .where(payment_methods.c.id == method.id)
            .values(expiring_notice_sent_at=method.expiring_notice_sent_at)
        )

    async def needing_expiry_notice(self, now: datetime, limit: int) -> list[PaymentMethod]:
        """Default cards whose expiry month is this one or falls within the heads-up window.

        The month window is in SQL so that cards that expired long ago (and will never get
        a notice) cannot fill every batch; the exact 30-day rule is the domain's.
        """
        month = payment_methods.c.exp_year * 12 + payment_methods.c.exp_month
        soon = now + HEADS_UP_BEFORE_EXPIRY
        query = (
            select(payment_methods)
            .where(
                payment_methods.c.is_default,
                payment_methods.c.expiring_notice_sent_at.is_(None),
                month.between(now.year * 12 + now.month, soon.year * 12 + soon.month),
            )
            .order_by(payment_methods.c.exp_year, payment_methods.c.exp_month)
            .limit(limit)
        )
        found = [PaymentMethod(**row._mapping) for row in await self.session.execute(query)]
        due = [method for method in found if method.needs_expiry_heads_up(now)]
        for method in due:
            self._track(method)
        return due


def _subscription(row: Row[Any]) -> Subscription:
    values = dict(row._mapping)
    for prefix in ("price", "beach_fee"):
        values.pop(f"{prefix}_amount"), values.pop(f"{prefix}_currency")
    return Subscription(
        **values | {"status": SubscriptionStatus(row.status)},
        price=_money(row, "price"),
        beach_fee=_money(row, "beach_fee"),
    )


def _subscription_values(subscription: Subscription) -> dict[str, object]:
    values = {k: v for k, v in subscription.__dict__.items() if k not in ("events", "price", "beach_fee")}
    values["status"] = subscription.status.value
    return (
        values
        | _money_columns("price", subscription.price)
        | _money_columns("beach_fee", subscription.beach_fee)
    )


def _due(now: datetime) -> ColumnElement[bool]:
    """Renewal due (and no pause agreed to begin instead), or a beach fee due."""
    t = subscriptions
    no_pause_ahead = t.c.scheduled_pause_starts_at.is_(None) | (
        t.c.scheduled_pause_starts_at > t.c.current_period_end
    )
    due_renewal = (
        (t.c.status == SubscriptionStatus.ACTIVE.value) & (t.c.current_period_end <= now) & no_pause_ahead
    )
    due_fee = _fee_owed() & (t.c.next_beach_fee_at <= now)
    return due_renewal | due_fee


def _fee_owed() -> ColumnElement[bool]:
    """Paused, with a paused month that begins before the agreed resume date."""
    t = subscriptions
    before_resume = t.c.pause_resumes_at.is_(None) | (t.c.next_beach_fee_at < t.c.pause_resumes_at)
    return (t.c.status == SubscriptionStatus.PAUSED.value) & before_resume


class SubscriptionRepository(_Repository):
    async def next_due_at(self) -> datetime | None:
        """The earliest renewal or beach fee ahead: the test clock stops there."""
        t = subscriptions
        no_pause_ahead = t.c.scheduled_pause_starts_at.is_(None) | (
            t.c.scheduled_pause_starts_at > t.c.current_period_end
        )
        renewals = select(func.min(t.c.current_period_end)).where(
            t.c.status == SubscriptionStatus.ACTIVE.value, no_pause_ahead
        )
        fees = select(func.min(t.c.next_beach_fee_at)).where(_fee_owed())
        moments = [(await self.session.execute(q)).scalar_one() for q in (renewals, fees)]
        found = [m for m in moments if m is not None]
        return min(found) if found else None

    async def count_due(self, now: datetime) -> int:
        return int((await self.session.execute(select(func.count()).where(_due(now)))).scalar_one())

    async def add(self, subscription: Subscription) -> None:
        await self.session.execute(insert(subscriptions).values(**_subscription_values(subscription)))
        self._track(subscription)

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        row = await self._one(subscriptions, subscriptions.c.id == subscription_id, lock=lock)
        return self._loaded(row) if row else None

    async def get_many(self, subscription_ids: Collection[str]) -> dict[str, Subscription]:
        rows = await self._rows(subscriptions, subscriptions.c.id.in_(subscription_ids))
        return {row.id: self._loaded(row) for row in rows}

    def _loaded(self, row: Row[Any]) -> Subscription:
        subscription = _subscription(row)
        self._track(subscription)
        return subscription

    async def save(self, subscription: Subscription) -> None:
        await self.save_many([subscription])

    async def save_many(self, many: list[Subscription]) -> None:
        """Write each subscription if nobody changed it since it was read; one statement."""
        if not many:
            return
        statement = update(subscriptions).where(
            subscriptions.c.id == bindparam("match_id"), subscriptions.c.version == bindparam("match_version")
        )
        rows = [
            _subscription_values(s) | {"version": s.version + 1, "match_id": s.id, "match_version": s.version}
            for s in many
        ]
        await self._update_many(statement, rows, "subscription")
        for subscription in many:
            subscription.version += 1

    async def claim_due(self, now: datetime, limit: int) -> list[Subscription]:
        """Subscriptions with work due: renewal or a beach fee.

        On PostgreSQL the rows stay locked until commit and rows another runner holds
        are skipped, so two billing runners never renew the same subscription.
        """
        t = subscriptions
        query = select(t).where(_due(now)).order_by(t.c.id).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [self._loaded(row) for row in await self.session.execute(query)]


def _lines_json(lines: list[InvoiceLine]) -> str:
    return json.dumps(
        [
            {
                "description": line.description,
                "amount": line.amount.model_dump(),
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
            amount=Money.model_validate(item["amount"]),
            period_start=datetime.fromisoformat(item["period_start"]),
            period_end=datetime.fromisoformat(item["period_end"]),
        )
        for item in json.loads(text)
    ]


class InvoiceRepository(_Repository):
    async def next_numbers(self, year: int, count: int) -> list[str]:
        """Take the year's next `count` numbers in one atomic upsert.

        The counter row stays locked until the invoices' transaction commits, so numbers
        are gapless: a rolled-back batch gives its numbers back. Even the year's first
        invoice, raced by two runners, gets a distinct number.
        """
        c = invoice_counters
        dialect: Any = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(c)
            .values(year=year, last_number=count)
            .on_conflict_do_update(index_elements=[c.c.year], set_={"last_number": c.c.last_number + count})
            .returning(c.c.last_number)
        )
        last = int((await self.session.execute(statement)).scalar_one())
        return [invoice_number(year, n) for n in range(last - count + 1, last + 1)]

    async def add_many(self, many: list[Invoice]) -> None:
        """One insert for a batch: row-by-row statements cost more than the rows."""
        if many:
            await self.session.execute(insert(invoices), [self._values(invoice) for invoice in many])
        for invoice in many:
            self._track(invoice)

    async def save(self, invoice: Invoice) -> None:
        await self.save_many([invoice])

    async def save_many(self, many: list[Invoice]) -> None:
        if many:
            statement = update(invoices).where(invoices.c.id == bindparam("match_id"))
            rows = [self._values(invoice) | {"match_id": invoice.id} for invoice in many]
            await self._update_many(statement, rows, "invoice")

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

    def _invoice(self, row: Row[Any]) -> Invoice:
        invoice = Invoice(
            id=row.id,
            number=row.number,
            customer_id=row.customer_id,
            subscription_id=row.subscription_id,
            currency=row.currency,
            lines=_lines(row.lines),
            status=InvoiceStatus(row.status),
            context=ChargeContext(row.context),
            created_at=row.created_at,
            paid_at=row.paid_at,
        )
        self._track(invoice)
        return invoice

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None:
        row = await self._one(invoices, invoices.c.id == invoice_id, lock=lock)
        return self._invoice(row) if row else None

    async def get_many(self, invoice_ids: Collection[str], *, lock: bool = False) -> dict[str, Invoice]:
        rows = await self._rows(invoices, invoices.c.id.in_(invoice_ids), lock=lock)
        return {row.id: self._invoice(row) for row in rows}

    async def for_subscription(self, subscription_id: str, *, after: str | None, limit: int) -> list[Invoice]:
        query = select(invoices).where(invoices.c.subscription_id == subscription_id)
        if after:
            query = query.where(invoices.c.number > after)
        rows = await self.session.execute(query.order_by(invoices.c.number).limit(limit))
        return [self._invoice(row) for row in rows]


class PaymentAttemptRepository(_Repository):
    async def add(self, attempt: PaymentAttempt) -> None:
        await self.add_many([attempt])

    async def add_many(self, attempts: list[PaymentAttempt]) -> None:
        if attempts:
            await self.session.execute(insert(payment_attempts), [self._values(a) for a in attempts])
        for attempt in attempts:
            self._track(attempt)

    async def save(self, attempt: PaymentAttempt) -> None:
        await self.save_many([attempt])

    async def save_many(self, attempts: list[PaymentAttempt]) -> None:
        """Write changes to attempts that were pending when they were read.

        A settled attempt is final, so only a pending row is updated. If another process
        settled one since it was read (on PostgreSQL two collectors can both read it as
        pending), this raises instead of settling it twice and publishing a second
        payment event.
        """
        if not attempts:
            return
        statement = update(payment_attempts).where(
            payment_attempts.c.id == bindparam("match_id"),
            payment_attempts.c.status == AttemptStatus.PENDING.value,
        )
        rows = [self._values(attempt) | {"match_id": attempt.id} for attempt in attempts]
        await self._update_many(statement, rows, "payment attempt")
        for attempt in attempts:
            self._track(attempt)

    def _values(self, attempt: PaymentAttempt) -> dict[str, object]:
        values = {k: v for k, v in attempt.__dict__.items() if k not in ("events", "amount")}
        values["status"] = attempt.status.value
        values["context"] = attempt.context.value
        return values | _money_columns("amount", attempt.amount)

    def _attempt(self, row: Row[Any]) -> PaymentAttempt:
        values = dict(row._mapping)
        values.pop("amount_amount"), values.pop("amount_currency")
        attempt = PaymentAttempt(
            **values | {"status": AttemptStatus(row.status), "context": ChargeContext(row.context)},
            amount=_money(row, "amount"),
        )
        self._track(attempt)
        return attempt

    async def get(self, attempt_id: str) -> PaymentAttempt | None:
        row = await self._one(payment_attempts, payment_attempts.c.id == attempt_id)
        return self._attempt(row) if row else None

    async def get_many(self, attempt_ids: Collection[str]) -> list[PaymentAttempt]:
        return [
            self._attempt(row)
            for row in await self._rows(payment_attempts, payment_attempts.c.id.in_(attempt_ids))
        ]

    async def by_idempotency_key(self, key: str) -> PaymentAttempt | None:
        row = await self._one(payment_attempts, payment_attempts.c.idempotency_key == key)
        return self._attempt(row) if row else None

    async def pending_for_invoice(self, invoice_id: str) -> PaymentAttempt | None:
        row = await self._one(
            payment_attempts,
            payment_attempts.c.invoice_id == invoice_id,
            payment_attempts.c.status == AttemptStatus.PENDING.value,
        )
        return self._attempt(row) if row else None

    async def count_for_invoice(self, invoice_id: str) -> int:
        query = select(func.count()).where(payment_attempts.c.invoice_id == invoice_id)
        return int((await self.session.execute(query)).scalar_one())

    async def count_pending(self) -> int:
        query = select(func.count()).where(payment_attempts.c.status == AttemptStatus.PENDING.value)
        return int((await self.session.execute(query)).scalar_one())

    async def claim_pending(self, lease: Lease, now: datetime, limit: int) -> list[str]:
        """Take the lease on up to `limit` pending attempts nobody holds, or whose holder's
        lease ran out (`now` is wall-clock time, as leases are). On PostgreSQL attempts
        another replica is claiming are skipped; on SQLite the write lock orders claims."""
        t = payment_attempts
        free = t.c.lease_expires_at.is_(None) | (t.c.lease_expires_at < now)
        candidates = (
            select(t.c.id)
            .where(t.c.status == AttemptStatus.PENDING.value, free)
            .order_by(t.c.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = await self.session.execute(
            update(t)
            .where(t.c.id.in_(candidates.scalar_subquery()))
            .values(lease_owner=lease.owner, lease_expires_at=lease.expires_at)
            .returning(t.c.id)
        )
        return [row.id for row in claimed]

    async def pending_ids(self, limit: int) -> list[str]:
        rows = await self.session.execute(
            select(payment_attempts.c.id)
            .where(payment_attempts.c.status == AttemptStatus.PENDING.value)
            .order_by(payment_attempts.c.created_at)
            .limit(limit)
        )
        return [row.id for row in rows]
