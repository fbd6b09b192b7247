"""Subscriptions, versioned: the renewal day's candidates are narrowed here, decided in the domain."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, insert, select

from billing.adapters.orm import subscriptions
from billing.adapters.repositories.base import _as_dicts, _money_columns, _Repository, money_of
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.db.read_ahead import ReadAhead


def _subscription(values: dict[str, Any]) -> Subscription:
    """A subscription from its row's values (which it takes over)."""
    price = money_of(values.pop("price_amount"), values.pop("price_currency"))
    beach_fee = money_of(values.pop("beach_fee_amount"), values.pop("beach_fee_currency"))
    values["status"] = SubscriptionStatus(values["status"])
    return Subscription(**values, price=price, beach_fee=beach_fee)


def _subscription_values(subscription: Subscription) -> dict[str, object]:
    values = {k: v for k, v in subscription.__dict__.items() if k not in ("events", "price", "beach_fee")}
    values["status"] = subscription.status.value
    return (
        values
        | _money_columns("price", subscription.price)
        | _money_columns("beach_fee", subscription.beach_fee)
    )


def _renewal_due(now: datetime) -> ColumnElement[bool]:
    """Active, the period over, and no pause agreed to begin instead."""
    t = subscriptions
    no_pause_ahead = t.c.scheduled_pause_starts_at.is_(None) | (
        t.c.scheduled_pause_starts_at > t.c.current_period_end
    )
    return (t.c.status == SubscriptionStatus.ACTIVE.value) & (t.c.current_period_end <= now) & no_pause_ahead


def _fee_due(now: datetime) -> ColumnElement[bool]:
    return _fee_owed() & (subscriptions.c.next_beach_fee_at <= now)


def _due(now: datetime) -> ColumnElement[bool]:
    """Renewal due, or a beach fee due."""
    return _renewal_due(now) | _fee_due(now)


def _fee_owed() -> ColumnElement[bool]:
    """Paused, with a paused month that begins before the agreed resume date."""
    t = subscriptions
    before_resume = t.c.pause_resumes_at.is_(None) | (t.c.next_beach_fee_at < t.c.pause_resumes_at)
    return (t.c.status == SubscriptionStatus.PAUSED.value) & before_resume


class SqlSubscriptionRepository(_Repository):
    _ahead: ReadAhead[str, Row[Any]] | None = None
    _waiting: dict[str, tuple[int, Subscription]] | None = None
    """A batch's saves not yet written: by id, the version as stored and the latest state."""

    async def read_ahead(self, subscription_ids: Collection[str]) -> None:
        """Lock and read a consumer batch's subscriptions in one statement (in key order,
        so two batches cannot deadlock); `get` then answers from these rows, each until
        the transaction writes it."""
        ahead = self._ahead = self._ahead or ReadAhead()
        if unknown := ahead.unknown(subscription_ids):
            rows = await self._rows(subscriptions, subscriptions.c.id.in_(unknown), lock=True)
            ahead.learn(unknown, {row.id: row for row in rows})

    async def next_due_at(self) -> datetime | None:
        """The earliest renewal or beach fee ahead: the test clock stops there."""
        await self.flush()
        t = subscriptions
        no_pause_ahead = t.c.scheduled_pause_starts_at.is_(None) | (
            t.c.scheduled_pause_starts_at > t.c.current_period_end
        )
        renewals = select(func.min(t.c.current_period_end)).where(
            t.c.status == SubscriptionStatus.ACTIVE.value, no_pause_ahead
        )
        fees = select(func.min(t.c.next_beach_fee_at)).where(_fee_owed())
        moments = [(await self.connection.execute(q)).scalar_one() for q in (renewals, fees)]
        found = [m for m in moments if m is not None]
        return min(found) if found else None

    async def count_due(self, now: datetime) -> int:
        await self.flush()
        return int((await self.connection.execute(select(func.count()).where(_due(now)))).scalar_one())

    async def add(self, subscription: Subscription) -> None:
        await self.connection.execute(insert(subscriptions), _subscription_values(subscription))
        if self._ahead is not None:
            self._ahead.forget(subscription.id)
        self._track(subscription)

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        if self._ahead is not None and self._ahead.knows(subscription_id):  # read, and locked, ahead
            row = self._ahead.get(subscription_id)
        else:
            await self.flush()
            row = await self._by(subscriptions, "id", subscription_id, lock=lock)
        return self._loaded(dict(row._mapping)) if row else None

    async def get_many(self, subscription_ids: Collection[str]) -> dict[str, Subscription]:
        await self.flush()
        rows = await self._among(subscriptions, "id", subscription_ids)
        return {values["id"]: self._loaded(values) for values in rows}

    def _loaded(self, values: dict[str, Any]) -> Subscription:
        subscription = _subscription(values)
        self._track(subscription)
        return subscription

    async def save(self, subscription: Subscription) -> None:
        await self.save_many([subscription])

    async def save_many(self, many: list[Subscription]) -> None:
        """Write each subscription if nobody changed it since it was read; one statement.

        In a consumer's batch (after `read_ahead`) the writes wait instead, and go out
        together in one statement (`flush`): a day's cancels were one UPDATE each. They are
        flushed before this repository reads subscriptions from the database again, and at
        the latest when the unit of work commits. In a batch nothing else reads this table:
        a query elsewhere that joins it would have to flush first."""
        if not many:
            return
        if self._ahead is not None:
            waiting = self._waiting = self._waiting or {}
            for subscription in many:
                stored = waiting[subscription.id][0] if subscription.id in waiting else subscription.version
                subscription.version += 1
                waiting[subscription.id] = (stored, subscription)
                self._ahead.forget(subscription.id)
            return
        await self._write([(s, s.version, s.version + 1) for s in many])
        for subscription in many:
            subscription.version += 1

    async def flush(self) -> None:
        """Write the batch's waiting subscriptions, each guarded by the version it was read
        at (they were read locked, so the guard holds unless one was not)."""
        if self._waiting:
            waiting, self._waiting = self._waiting, None
            await self._write([(s, stored, s.version) for stored, s in waiting.values()])

    async def _write(self, saves: list[tuple[Subscription, int, int]]) -> None:
        """One guarded UPDATE: each subscription, the version it must still have, its new one."""
        t = subscriptions
        rows = [
            _subscription_values(s) | {"version": new, "match_id": s.id, "match_version": stored}
            for s, stored, new in saves
        ]
        matching = {"match_id": t.c.id, "match_version": t.c.version}
        await self._update_many(t, rows, "subscription", matching=matching)

    async def claim_due(self, now: datetime, limit: int) -> list[Subscription]:
        """Subscriptions with work due, oldest due first: renewals, then beach fees.

        Each is one walk of its index in due order (`ix_subscriptions_due`,
        `ix_subscriptions_beach_fee_due`) that stops after `limit` rows, so a batch late in
        a renewal day costs what the first one did. On PostgreSQL the rows stay locked
        until commit and rows another runner holds are skipped, so two billing runners
        never renew the same subscription. The domain then decides what each one owes.
        """
        await self.flush()
        t = subscriptions
        renewals = await self._claim(_renewal_due(now), (t.c.current_period_end, t.c.id), limit)
        if len(renewals) == limit:
            return renewals
        fees = await self._claim(_fee_due(now), (t.c.next_beach_fee_at, t.c.id), limit - len(renewals))
        return renewals + fees

    async def _claim(
        self, due: ColumnElement[bool], order: tuple[ColumnElement[Any], ...], limit: int
    ) -> list[Subscription]:
        query = select(subscriptions).where(due).order_by(*order).limit(limit)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        result = await self.connection.execute(query)
        return [self._loaded(values) for values in _as_dicts(result, list(result.keys()))]
