"""Pause's repositories: beach pauses, cancel intents and the subscription replica."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pause.adapters.orm import beach_pauses, cancel_intents, subscription_views
from pause.domain.cancel_intent import CancelIntent
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.subscription_view import SubscriptionView
from shared.money import Money
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]


def _pause(row: Row[Any]) -> BeachPause:
    return _pause_from(dict(row._mapping))


def _pause_from(values: dict[str, Any]) -> BeachPause:
    fee = Money.of(values.pop("fee_amount"), values.pop("fee_currency"))
    return BeachPause(**values | {"status": PauseStatus(values["status"]), "fee_per_month": fee})


def _pause_values(pause: BeachPause) -> dict[str, object]:
    values = {k: v for k, v in pause.__dict__.items() if k not in ("events", "fee_per_month")}
    values["status"] = pause.status.value
    return values | {"fee_amount": pause.fee_per_month.amount, "fee_currency": pause.fee_per_month.currency}


class PauseRepository:
    def __init__(self, session: AsyncSession, track: TrackFn) -> None:
        self.session, self._track = session, track

    async def add(self, pause: BeachPause) -> None:
        await self.session.execute(insert(beach_pauses).values(**_pause_values(pause)))
        self._track(pause)

    async def save(self, pause: BeachPause) -> None:
        await self.session.execute(
            update(beach_pauses).where(beach_pauses.c.id == pause.id).values(**_pause_values(pause))
        )
        self._track(pause)

    async def _many(self, *where: Any, limit: int | None = None) -> list[BeachPause]:
        query = select(beach_pauses).where(*where).order_by(beach_pauses.c.created_at)
        rows = await self.session.execute(query.limit(limit) if limit else query)
        found = [_pause(row) for row in rows]
        for pause in found:
            self._track(pause)
        return found

    async def get(self, pause_id: str) -> BeachPause | None:
        found = await self._many(beach_pauses.c.id == pause_id)
        return found[0] if found else None

    async def for_subscription(self, subscription_id: str) -> list[BeachPause]:
        return await self._many(beach_pauses.c.subscription_id == subscription_id)

    async def for_customer(self, customer_id: str) -> list[BeachPause]:
        return await self._many(beach_pauses.c.customer_id == customer_id)

    async def starting_or_resuming_by(self, moment: datetime, limit: int) -> list[tuple[BeachPause, str]]:
        """Scheduled pauses that start, and active ones that resume, by `moment` (the rest
        cannot be due yet), each with its subscription's plan code ("" if the replica has
        not seen it yet), in one query: the test clock asks on every look."""
        t = beach_pauses
        query = (
            select(t, subscription_views.c.plan_code)
            .outerjoin(subscription_views, subscription_views.c.id == t.c.subscription_id)
            .where(
                ((t.c.status == PauseStatus.SCHEDULED.value) & (t.c.starts_at <= moment))
                | ((t.c.status == PauseStatus.ACTIVE.value) & (t.c.resumes_at <= moment))
            )
            .order_by(t.c.created_at)
            .limit(limit)
        )
        found = []
        for row in await self.session.execute(query):
            values = dict(row._mapping)
            plan_code = values.pop("plan_code") or ""
            pause = _pause_from(values)
            self._track(pause)
            found.append((pause, plan_code))
        return found

    async def next_moments(self) -> PauseMoments:
        """The earliest start, resume, and (per plan) resume still awaiting its reminder."""
        t = beach_pauses
        starts = select(func.min(t.c.starts_at)).where(t.c.status == PauseStatus.SCHEDULED.value)
        resumes = select(func.min(t.c.resumes_at)).where(t.c.status == PauseStatus.ACTIVE.value)
        unreminded = (
            select(subscription_views.c.plan_code, func.min(t.c.resumes_at))
            .select_from(t)
            .outerjoin(subscription_views, subscription_views.c.id == t.c.subscription_id)
            .where(t.c.status == PauseStatus.ACTIVE.value, t.c.reminder_sent_at.is_(None))
            .group_by(subscription_views.c.plan_code)
        )
        return PauseMoments(
            first_start=(await self.session.execute(starts)).scalar_one(),
            first_resume=(await self.session.execute(resumes)).scalar_one(),
            unreminded_resumes={
                plan or "": resume for plan, resume in await self.session.execute(unreminded)
            },
        )


@dataclass(frozen=True)
class PauseMoments:
    first_start: datetime | None
    first_resume: datetime | None
    unreminded_resumes: dict[str, datetime]


class SubscriptionViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, subscription_id: str) -> SubscriptionView | None:
        row = (
            await self.session.execute(
                select(subscription_views).where(subscription_views.c.id == subscription_id)
            )
        ).first()
        return view_of(row) if row else None


def view_of(row: Row[Any]) -> SubscriptionView | None:
    """The subscription as pause knows it; None until billing's `subscription.created` has
    arrived (a later fact may come first), since only that one says its plan and price."""
    values = dict(row._mapping)
    for bookkeeping in ("status_sequence", "period_sequence", "paid_sequence"):
        values.pop(bookkeeping)
    if None in (values["price_amount"], values["status"], values["current_period_end"]):
        return None
    price = Money.of(values.pop("price_amount"), values.pop("price_currency"))
    fee_amount, fee_currency = values.pop("beach_fee_amount"), values.pop("beach_fee_currency")
    fee = Money.of(fee_amount, fee_currency) if fee_amount is not None else None
    return SubscriptionView(**values, price=price, beach_fee=fee)


class CancelIntentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, intent: CancelIntent) -> None:
        await self.session.execute(insert(cancel_intents).values(**intent.__dict__))

    async def save(self, intent: CancelIntent) -> None:
        await self.session.execute(
            update(cancel_intents).where(cancel_intents.c.id == intent.id).values(**intent.__dict__)
        )

    async def get(self, intent_id: str) -> CancelIntent | None:
        row = (
            await self.session.execute(select(cancel_intents).where(cancel_intents.c.id == intent_id))
        ).first()
        return CancelIntent(**row._mapping) if row else None

    async def pending_for(self, subscription_id: str, since: datetime) -> list[CancelIntent]:
        rows = await self.session.execute(
            select(cancel_intents).where(
                cancel_intents.c.subscription_id == subscription_id,
                cancel_intents.c.outcome == "pending",
                cancel_intents.c.created_at >= since,
            )
        )
        return [CancelIntent(**row._mapping) for row in rows]
