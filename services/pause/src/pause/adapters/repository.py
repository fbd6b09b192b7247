"""Beach pauses and cancel intents in the service's database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pause.adapters.orm import beach_pauses, cancel_intents, subscription_views
from pause.adapters.records import pause_from, pause_values
from pause.domain.cancel_intent import CancelIntent
from pause.domain.pause import BeachPause, PauseStatus
from pause.service_layer.repositories import PauseMoments
from shared.db.lookups import VALUE, rows_where
from shared.unit_of_work import RecordsEvents

TrackFn = Callable[[RecordsEvents], None]


def _pause(row: Row[Any]) -> BeachPause:
    return pause_from(row._mapping)


class SqlBeachPauses:
    def __init__(self, connection: AsyncConnection, track: TrackFn) -> None:
        self.connection, self._track = connection, track

    async def add(self, pause: BeachPause) -> None:
        await self.connection.execute(insert(beach_pauses).values(**pause_values(pause)))
        self._track(pause)

    async def save(self, pause: BeachPause) -> None:
        await self.connection.execute(
            update(beach_pauses).where(beach_pauses.c.id == pause.id).values(**pause_values(pause))
        )
        self._track(pause)

    async def _many(self, *where: Any, limit: int | None = None) -> list[BeachPause]:
        query = select(beach_pauses).where(*where).order_by(beach_pauses.c.created_at)
        return self._tracked(await self.connection.execute(query.limit(limit) if limit else query))

    async def _with(self, column_name: str, value: str) -> list[BeachPause]:
        """The pauses whose `column_name` is `value`, oldest first, by a statement built once."""
        query = rows_where(beach_pauses, column_name, order_by="created_at")
        return self._tracked(await self.connection.execute(query, {VALUE: value}))

    def _tracked(self, rows: Iterable[Row[Any]]) -> list[BeachPause]:
        found = [_pause(row) for row in rows]
        for pause in found:
            self._track(pause)
        return found

    async def get(self, pause_id: str) -> BeachPause | None:
        found = await self._with("id", pause_id)
        return found[0] if found else None

    async def for_subscription(self, subscription_id: str) -> list[BeachPause]:
        return await self._with("subscription_id", subscription_id)

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
        for row in await self.connection.execute(query):
            values = dict(row._mapping)
            plan_code = values.pop("plan_code") or ""
            pause = pause_from(values)
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
            first_start=(await self.connection.execute(starts)).scalar_one(),
            first_resume=(await self.connection.execute(resumes)).scalar_one(),
            unreminded_resumes={
                plan or "": resume for plan, resume in await self.connection.execute(unreminded)
            },
        )


class SqlCancelIntents:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, intent: CancelIntent) -> None:
        await self.connection.execute(insert(cancel_intents).values(**intent.__dict__))

    async def save(self, intent: CancelIntent) -> None:
        await self.connection.execute(
            update(cancel_intents).where(cancel_intents.c.id == intent.id).values(**intent.__dict__)
        )

    async def get(self, intent_id: str) -> CancelIntent | None:
        row = (await self.connection.execute(rows_where(cancel_intents, "id"), {VALUE: intent_id})).first()
        return CancelIntent(**row._mapping) if row else None

    async def pending_for(self, subscription_id: str, since: datetime) -> list[CancelIntent]:
        rows = await self.connection.execute(
            select(cancel_intents).where(
                cancel_intents.c.subscription_id == subscription_id,
                cancel_intents.c.outcome == "pending",
                cancel_intents.c.created_at >= since,
            )
        )
        return [CancelIntent(**row._mapping) for row in rows]
