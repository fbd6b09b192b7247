"""Cards on file: each customer's default, and which need an expiry heads-up."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from billing.adapters.orm import payment_methods, subscriptions
from billing.adapters.repositories.base import _Repository
from billing.domain.payment_method import HEADS_UP_BEFORE_EXPIRY, PaymentMethod


class SqlPaymentMethodRepository(_Repository):
    async def add_default(self, method: PaymentMethod) -> None:
        """The new card becomes the default; the customer's other cards stop being it."""
        await self.connection.execute(
            update(payment_methods)
            .where(payment_methods.c.customer_id == method.customer_id, payment_methods.c.is_default)
            .values(is_default=False)
        )
        values = {k: v for k, v in method.__dict__.items() if k != "events"}
        await self.connection.execute(insert(payment_methods).values(**values))
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
        await self.connection.execute(
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
        found = [PaymentMethod(**row._mapping) for row in await self.connection.execute(query)]
        due = [method for method in found if method.needs_expiry_heads_up(now)]
        for method in due:
            self._track(method)
        return due

    async def add_backup(self, method: PaymentMethod) -> None:
        values = {k: v for k, v in method.__dict__.items() if k != "events"}
        await self.connection.execute(insert(payment_methods).values(**values))
        self._track(method)

    async def of_customer(self, customer_id: str) -> list[PaymentMethod]:
        t = payment_methods
        query = (
            select(t)
            .where(t.c.customer_id == customer_id)
            .order_by(t.c.is_default.desc(), t.c.created_at.desc(), t.c.id)
        )
        found = [PaymentMethod(**row._mapping) for row in await self.connection.execute(query)]
        for method in found:
            self._track(method)
        return found

    async def make_default(self, method: PaymentMethod) -> None:
        t = payment_methods
        await self.connection.execute(
            update(t).where(t.c.customer_id == method.customer_id).values(is_default=False)
        )
        await self.connection.execute(update(t).where(t.c.id == method.id).values(is_default=True))
        method.is_default = True
        self._track(method)

    async def remove(self, method: PaymentMethod) -> None:
        await self.connection.execute(delete(payment_methods).where(payment_methods.c.id == method.id))

    async def backups_for(self, customer_ids: Collection[str]) -> dict[str, PaymentMethod]:
        t = payment_methods
        query = (
            select(t)
            .where(t.c.customer_id.in_(customer_ids), ~t.c.is_default)
            .order_by(t.c.created_at, t.c.id)
        )
        return {
            row.customer_id: PaymentMethod(**row._mapping) for row in await self.connection.execute(query)
        }

    async def has_live_subscription(self, customer_id: str) -> bool:
        s = subscriptions
        query = select(s.c.id).where(s.c.customer_id == customer_id, s.c.status != "canceled").limit(1)
        return (await self.connection.execute(query)).first() is not None
