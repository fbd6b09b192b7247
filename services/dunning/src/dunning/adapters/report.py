"""The finance report: what gentle dunning recovered, how fast, and how quietly.

Quietness is measured, not promised: recoveries with zero reminders and reminders per
recovered case sit beside the recovery rate, per decline reason, policy variant or month.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters.orm import dunning_cases
from shared.money import Money

GroupBy = Literal["reason", "variant", "month"]
OUTCOMES = ("recovered", "paused", "canceled", "written_off", "open")


class ReportGroup(BaseModel):
    group: str
    cases: int
    recovered: int
    recovery_rate: float | None
    recovered_amount: list[Money]
    open_amount: list[Money]
    median_days_to_recover: float | None
    reminders_per_recovered_case: float | None
    recovered_without_reminders: int
    outcomes: dict[str, int]


class DunningReport(BaseModel):
    period_from: datetime
    period_to: datetime
    group_by: GroupBy
    total: ReportGroup
    groups: list[ReportGroup]


def _key(row: Any, group_by: GroupBy) -> str:
    if group_by == "variant":
        return str(row.variant)
    if group_by == "month":
        return f"{row.opened_at:%Y-%m}"
    return str(row.decline_code)


def _sums(pairs: Iterable[tuple[str, int]]) -> list[Money]:
    totals: dict[str, int] = defaultdict(int)
    for currency, amount in pairs:
        totals[currency] += amount
    return [Money.of(amount, currency) for currency, amount in sorted(totals.items())]


def summarise(name: str, rows: list[Any]) -> ReportGroup:
    recovered = [r for r in rows if r.outcome == "recovered"]
    still_open = [r for r in rows if r.status == "open"]
    days = [(r.closed_at - r.opened_at).total_seconds() / 86400 for r in recovered]
    outcomes = {outcome: 0 for outcome in OUTCOMES}
    for r in rows:
        outcomes[r.outcome or "open"] += 1
    return ReportGroup(
        group=name,
        cases=len(rows),
        recovered=len(recovered),
        recovery_rate=round(len(recovered) / len(rows), 4) if rows else None,
        recovered_amount=_sums((r.currency, r.recovered_amount or r.amount_due) for r in recovered),
        open_amount=_sums((r.currency, r.amount_due) for r in still_open),
        median_days_to_recover=round(statistics.median(days), 2) if days else None,
        reminders_per_recovered_case=(
            round(sum(r.reminders_sent for r in recovered) / len(recovered), 3) if recovered else None
        ),
        recovered_without_reminders=sum(1 for r in recovered if r.reminders_sent == 0),
        outcomes=outcomes,
    )


async def dunning_report(
    conn: AsyncConnection, start: datetime, end: datetime, group_by: GroupBy
) -> DunningReport:
    rows = (
        await conn.execute(
            select(dunning_cases).where(dunning_cases.c.opened_at >= start, dunning_cases.c.opened_at < end)
        )
    ).all()
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[_key(row, group_by)].append(row)
    return DunningReport(
        period_from=start,
        period_to=end,
        group_by=group_by,
        total=summarise("total", list(rows)),
        groups=[summarise(name, grouped[name]) for name in sorted(grouped)],
    )


CSV_COLUMNS = (
    "group",
    "cases",
    "recovered",
    "recovery_rate",
    "recovered_amount",
    "open_amount",
    "median_days_to_recover",
    "reminders_per_recovered_case",
    "recovered_without_reminders",
    *(f"outcome_{o}" for o in OUTCOMES),
)


def as_csv(report: DunningReport) -> str:
    """One row per group then the total; money as `15.00 USD`, several currencies joined by `;`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for group in [*report.groups, report.total]:
        writer.writerow(
            [
                group.group,
                group.cases,
                group.recovered,
                "" if group.recovery_rate is None else group.recovery_rate,
                "; ".join(m.format() for m in group.recovered_amount),
                "; ".join(m.format() for m in group.open_amount),
                "" if group.median_days_to_recover is None else group.median_days_to_recover,
                "" if group.reminders_per_recovered_case is None else group.reminders_per_recovered_case,
                group.recovered_without_reminders,
                *(group.outcomes[o] for o in OUTCOMES),
            ]
        )
    return out.getvalue()
