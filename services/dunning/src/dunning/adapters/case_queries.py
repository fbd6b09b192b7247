"""Finance's read side of dunning: cases as finance sees them, one period at a time.

Routes and pages ask these questions by name and never build SQL, so what a case looks
like to finance (its summary, its timeline) is decided once, here, for the API and the
dashboard alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dunning.adapters.orm import dunning_cases
from dunning.adapters.report import DunningReport, GroupBy, dunning_report
from shared.db.engine import reading
from shared.errors import DomainError
from shared.http.report_period import ReportPeriod
from shared.money import Money


class CaseSummary(BaseModel):
    id: str
    subscription_id: str
    customer_id: str
    invoice_id: str
    amount_due: Money
    decline_code: str
    decline_class: str
    policy_version: str
    variant: str
    status: str
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    reminders_sent: int
    retries_made: int
    next_due_at: datetime | None
    recovery_method: str | None = None
    """What recovered a case closed `recovered`; see the finance report."""
    last_message_number: int | None = None
    retained_30d: bool | None = None
    """Still subscribed 30 days after a recovered or paused close; null until checked."""
    retention_check_at: datetime | None = None
    """When that check is due; null once done, or for a case that has none."""
    payment_date: date | None = None
    """The day the customer chose to be charged, if they did."""


class TimelineEntry(BaseModel):
    at: datetime
    kind: Literal["opened", "retry", "reminder", "beach_offer", "card_updated", "payment_date", "closed"]
    detail: str | None = None


class CaseDetail(CaseSummary):
    timeline: list[TimelineEntry]


class CaseList(BaseModel):
    data: list[CaseSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class CaseFilter:
    """Each field set narrows the list to cases with exactly that value."""

    status: str | None = None
    outcome: str | None = None
    variant: str | None = None
    decline_code: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class PeriodOverview:
    """The report and the cases behind it, read together so their numbers agree."""

    report: DunningReport
    cases: list[CaseSummary]
    cohorts: DunningReport
    """The same cases by cohort, for what recovered them and the lift over the holdout."""


def _summary(row: Any) -> dict[str, Any]:
    computed = ("amount_due", "payment_date")
    values = {k: getattr(row, k) for k in CaseSummary.model_fields if k not in computed}
    chosen = json.loads(row.state).get("payment_date")
    day = date.fromisoformat(chosen["day"]) if chosen else None
    return values | {"amount_due": Money.of(row.amount_due, row.currency), "payment_date": day}


def _retry_detail(reason: str, number: int, budget: int | None) -> str:
    """The retry's reason, and what is left of the card's 30-day budget after it (the
    failed charge that opened the case counts too)."""
    if budget is None:
        return reason
    return f"{reason}; {max(0, budget - 1 - number)} of {budget} charges left in the card's 30-day budget"


def case_timeline(row: Any, budget: int | None = None) -> list[TimelineEntry]:
    state = json.loads(row.state)
    entries = [TimelineEntry(at=row.opened_at, kind="opened", detail=row.decline_code)]
    entries += [
        TimelineEntry(
            at=datetime.fromisoformat(r["at"]), kind="retry", detail=_retry_detail(r["reason"], n, budget)
        )
        for n, r in enumerate(state["retries"], 1)
    ]
    entries += [TimelineEntry(at=datetime.fromisoformat(m), kind="reminder") for m in state["reminders_sent"]]
    if state["beach_offer_sent_at"]:  # kept apart from reminders_sent by DunningCase.record_beach_offer
        entries.append(
            TimelineEntry(at=datetime.fromisoformat(state["beach_offer_sent_at"]), kind="beach_offer")
        )
    if state["card_updated_at"]:
        entries.append(
            TimelineEntry(at=datetime.fromisoformat(state["card_updated_at"]), kind="card_updated")
        )
    if chosen := state.get("payment_date"):
        at, detail = datetime.fromisoformat(chosen["chosen_at"]), f"customer chose {chosen['day']}"
        entries.append(TimelineEntry(at=at, kind="payment_date", detail=detail))
    if row.closed_at:
        entries.append(TimelineEntry(at=row.closed_at, kind="closed", detail=row.outcome))
    return sorted(entries, key=lambda e: (e.at, e.kind != "opened"))


def _opened_in(period: ReportPeriod) -> Select[Any]:
    t = dunning_cases
    return select(t).where(t.c.opened_at >= period.start, t.c.opened_at < period.end)


class FinanceQueries:
    """Reads only: finance's questions never take a writer's turn (see `reading`)."""

    def __init__(self, engine: AsyncEngine, card_budget_30_days: int | None = None) -> None:
        self.engine, self.card_budget_30_days = engine, card_budget_30_days

    async def list_cases(
        self, period: ReportPeriod, where: CaseFilter, *, limit: int, cursor: str | None
    ) -> CaseList:
        """Pages in id order, so a cursor is stable while new cases keep opening."""
        t = dunning_cases
        query = _opened_in(period)
        for column, value in (
            (t.c.status, where.status),
            (t.c.outcome, where.outcome),
            (t.c.variant, where.variant),
            (t.c.decline_code, where.decline_code),
            (t.c.customer_id, where.customer_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if cursor is not None:
            query = query.where(t.c.id > cursor)
        async with reading(self.engine) as conn:
            if (
                cursor is not None
                and (await conn.execute(select(t.c.id).where(t.c.id == cursor))).first() is None
            ):
                raise DomainError("cursor", "not a next_cursor from a previous page")
            rows = (await conn.execute(query.order_by(t.c.id).limit(limit + 1))).all()
        page = rows[:limit]
        return CaseList(
            data=[CaseSummary(**_summary(r)) for r in page],
            next_cursor=page[-1].id if len(rows) > limit else None,
        )

    async def case_detail(self, case_id: str) -> CaseDetail | None:
        async with reading(self.engine) as conn:
            query = select(dunning_cases).where(dunning_cases.c.id == case_id)
            row = (await conn.execute(query)).first()
        return (
            None
            if row is None
            else CaseDetail(**_summary(row), timeline=case_timeline(row, self.card_budget_30_days))
        )

    async def report(self, period: ReportPeriod, group_by: GroupBy) -> DunningReport:
        async with reading(self.engine) as conn:
            return await dunning_report(conn, period.start, period.end, group_by)

    async def overview(self, period: ReportPeriod) -> PeriodOverview:
        """The report by reason and by cohort and the period's cases, newest first, on one
        connection."""
        async with reading(self.engine) as conn:
            report = await dunning_report(conn, period.start, period.end, "reason")
            cohorts = await dunning_report(conn, period.start, period.end, "cohort")
            query = _opened_in(period).order_by(dunning_cases.c.opened_at.desc())
            rows = (await conn.execute(query)).all()
        return PeriodOverview(report, [CaseSummary(**_summary(r)) for r in rows], cohorts)
