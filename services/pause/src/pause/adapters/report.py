"""The pause report for finance: do pauses turn cancellations into returns?"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pause.adapters.orm import beach_pauses, cancel_intents, fee_payments, subscription_views
from shared.calendar import add_months
from shared.db.engine import reading
from shared.http.report_period import ReportPeriod
from shared.money import Money


class PauseReport(BaseModel):
    period_from: datetime
    period_to: datetime
    pauses_started: int
    pauses_resumed: int
    pauses_ended_by_cancellation: int
    cancel_intents: int
    cancel_intents_that_became_pauses: int
    cancel_to_pause_rate: float | None
    resumed_three_months_ago_or_more: int
    still_subscribed_three_months_after_resume: int
    return_rate: float | None
    fees_collected: list[Money]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def pause_report(conn: AsyncConnection, start: datetime, end: datetime) -> PauseReport:
    p, ci, v = beach_pauses, cancel_intents, subscription_views

    async def count(*where: object) -> int:
        query = select(func.count()).select_from(p.join(v, v.c.id == p.c.subscription_id, isouter=True))
        return int((await conn.execute(query.where(*where))).scalar_one())  # type: ignore[arg-type]

    started = await count(p.c.started_at >= start, p.c.started_at < end)
    resumed = await count(p.c.status == "ended", p.c.ended_at >= start, p.c.ended_at < end)
    canceled = await count(
        p.c.status == "canceled", p.c.started_at.is_not(None), p.c.ended_at >= start, p.c.ended_at < end
    )
    intents = (
        await conn.execute(select(ci.c.outcome).where(ci.c.created_at >= start, ci.c.created_at < end))
    ).all()
    became_pauses = sum(1 for row in intents if row.outcome == "paused")
    cutoff = add_months(end, -3)
    returned = (
        await conn.execute(
            select(v.c.status)
            .select_from(p.join(v, v.c.id == p.c.subscription_id))
            .where(p.c.status == "ended", p.c.ended_at >= start, p.c.ended_at < cutoff)
        )
    ).all()
    still = sum(1 for row in returned if row.status != "canceled")
    fees = await conn.execute(
        select(fee_payments.c.currency, func.sum(fee_payments.c.amount))
        .where(fee_payments.c.paid_at >= start, fee_payments.c.paid_at < end)
        .group_by(fee_payments.c.currency)
        .order_by(fee_payments.c.currency)
    )
    return PauseReport(
        period_from=start,
        period_to=end,
        pauses_started=started,
        pauses_resumed=resumed,
        pauses_ended_by_cancellation=canceled,
        cancel_intents=len(intents),
        cancel_intents_that_became_pauses=became_pauses,
        cancel_to_pause_rate=_rate(became_pauses, len(intents)),
        resumed_three_months_ago_or_more=len(returned),
        still_subscribed_three_months_after_resume=still,
        return_rate=_rate(still, len(returned)),
        fees_collected=[Money.of(int(total), currency) for currency, total in fees],
    )


class PauseReports:
    """Finance's read side of pause; reads only, so a report never holds up a writer."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def report(self, period: ReportPeriod) -> PauseReport:
        async with reading(self.engine) as conn:
            return await pause_report(conn, period.start, period.end)
