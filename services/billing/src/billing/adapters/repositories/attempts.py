"""Payment attempts, and the leases that give each pending charge one sender."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, text, update

from billing.adapters.orm import payment_attempts
from billing.adapters.repositories.base import _money_columns, _Repository, money_of
from billing.domain.payment import AttemptStatus, Lease, PaymentAttempt
from shared.contracts.billing import ChargeContext
from shared.db.bulk import insert_rows


def _released(due_by: datetime | None) -> list[Any]:
    """Attempts the retry budget does not hold back beyond `due_by` (all, without it)."""
    if due_by is None:
        return []
    return [payment_attempts.c.not_before.is_(None) | (payment_attempts.c.not_before <= due_by)]


class SqlPaymentAttemptRepository(_Repository):
    async def add(self, attempt: PaymentAttempt) -> None:
        await self.add_many([attempt])

    async def add_many(self, attempts: list[PaymentAttempt]) -> None:
        if attempts:
            await insert_rows(self.connection, payment_attempts, [self._values(a) for a in attempts])
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
        t = payment_attempts
        rows = [self._values(attempt) | {"match_id": attempt.id} for attempt in attempts]
        await self._update_many(
            t,
            rows,
            "payment attempt",
            matching={"match_id": t.c.id},
            guard="attempt pending",
        )
        for attempt in attempts:
            self._track(attempt)

    def _values(self, attempt: PaymentAttempt) -> dict[str, object]:
        values = {k: v for k, v in attempt.__dict__.items() if k not in ("events", "amount")}
        values["status"] = attempt.status.value
        values["context"] = attempt.context.value
        return values | _money_columns("amount", attempt.amount)

    def _attempt(self, values: dict[str, Any]) -> PaymentAttempt:
        amount = money_of(values.pop("amount_amount"), values.pop("amount_currency"))
        values["status"] = AttemptStatus(values["status"])
        values["context"] = ChargeContext(values["context"])
        attempt = PaymentAttempt(**values, amount=amount)
        self._track(attempt)
        return attempt

    def _found(self, row: Row[Any] | None) -> PaymentAttempt | None:
        return self._attempt(dict(row._mapping)) if row else None

    async def get(self, attempt_id: str) -> PaymentAttempt | None:
        return self._found(await self._by(payment_attempts, "id", attempt_id))

    async def get_many(self, attempt_ids: Collection[str]) -> list[PaymentAttempt]:
        return [self._attempt(values) for values in await self._among(payment_attempts, "id", attempt_ids)]

    async def by_idempotency_key(self, key: str) -> PaymentAttempt | None:
        return self._found(await self._by(payment_attempts, "idempotency_key", key))

    async def pending_for_invoice(self, invoice_id: str) -> PaymentAttempt | None:
        row = await self._one(
            payment_attempts,
            payment_attempts.c.invoice_id == invoice_id,
            payment_attempts.c.status == AttemptStatus.PENDING.value,
        )
        return self._found(row)

    async def count_for_invoice(self, invoice_id: str) -> int:
        query = select(func.count()).where(payment_attempts.c.invoice_id == invoice_id)
        return int((await self.connection.execute(query)).scalar_one())

    async def count_pending(self, due_by: datetime | None = None) -> int:
        t = payment_attempts
        query = select(func.count()).where(t.c.status == AttemptStatus.PENDING.value, *_released(due_by))
        return int((await self.connection.execute(query)).scalar_one())

    async def next_held_until(self) -> datetime | None:
        t = payment_attempts
        query = select(func.min(t.c.not_before)).where(t.c.status == AttemptStatus.PENDING.value)
        found: datetime | None = (await self.connection.execute(query)).scalar()
        return found

    async def sent_on_cards(
        self, cards: Collection[tuple[str, str]], since: datetime
    ) -> dict[tuple[str, str], list[datetime]]:
        t = payment_attempts
        answered = [AttemptStatus.SUCCEEDED.value, AttemptStatus.FAILED.value]
        query = select(t.c.customer_id, t.c.gateway_payment_method, t.c.settled_at).where(
            t.c.customer_id.in_({customer for customer, _ in cards}),
            t.c.gateway_payment_method.in_({card for _, card in cards}),
            t.c.settled_at > since,
            t.c.status.in_(answered),
        )
        wanted, sent = set(cards), dict[tuple[str, str], list[datetime]]()
        for row in await self.connection.execute(query):
            if (key := (row.customer_id, row.gateway_payment_method)) in wanted:
                sent.setdefault(key, []).append(row.settled_at)
        return sent

    async def claim_pending(
        self, lease: Lease, now: datetime, limit: int, *, due_by: datetime | None = None
    ) -> list[str]:
        """Take the lease on up to `limit` pending attempts nobody holds, or whose holder's
        lease ran out (`now` is wall-clock time, as leases are). On PostgreSQL attempts
        another replica is claiming are skipped; on SQLite the write lock orders claims.

        On PostgreSQL the oldest are read in order from the index of pending attempts,
        stopping at `limit`. The planner's statistics are usually from before a renewal
        day queued its charges, so it expects a handful of pending rows and otherwise reads
        every pending row (and every one settled since the last vacuum) to sort them, on
        every claim: a day of N charges then costs N²/limit row reads."""
        postgres = self.connection.dialect.name == "postgresql"
        if postgres:
            await self.connection.execute(text("SET LOCAL enable_bitmapscan = off"))
        t = payment_attempts
        free = t.c.lease_expires_at.is_(None) | (t.c.lease_expires_at < now)
        candidates = (
            select(t.c.id)
            .where(t.c.status == AttemptStatus.PENDING.value, free, *_released(due_by))
            .order_by(t.c.created_at)
            .limit(limit)
        )
        if postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = await self.connection.execute(
            update(t)
            .where(t.c.id.in_(candidates.scalar_subquery()))
            .values(lease_owner=lease.owner, lease_expires_at=lease.expires_at)
            .returning(t.c.id)
        )
        ids = [row.id for row in claimed]
        if postgres:
            await self.connection.execute(text("RESET enable_bitmapscan"))
        return ids

    async def pending_ids(self, limit: int) -> list[str]:
        rows = await self.connection.execute(
            select(payment_attempts.c.id)
            .where(payment_attempts.c.status == AttemptStatus.PENDING.value)
            .order_by(payment_attempts.c.created_at)
            .limit(limit)
        )
        return [row.id for row in rows]
