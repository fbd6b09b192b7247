"""The finance report: what gentle dunning recovered, how, how quietly, and what it added.

Quietness is measured, not promised: recoveries with zero reminders and reminders per
recovered case sit beside the recovery rate. Each recovery is credited to its cause
(`recovery_method`); a customer counts as saved only once the 30-day check found them
still subscribed (`retained_30d`); a group is `complete` once every case in it is
closed and checked, so finance compares finished cohorts only; and `lift` compares
each variant with the holdout inside the group. All of it comes from SQL aggregates
(`report_sql`), never from loading the cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters import report_sql
from dunning.adapters.lift import Arm, Lift, lifts
from dunning.adapters.report_sql import TOTAL, GroupBy
from shared.contracts.dunning import RecoveryMethod
from shared.money import Money

__all__ = ["METHODS", "OUTCOMES", "DunningReport", "GroupBy", "ReportGroup", "dunning_report"]

OUTCOMES = ("recovered", "paused", "canceled", "written_off", "open")
METHODS = (*(method.value for method in RecoveryMethod), "unattributed")
"""`unattributed`: recovered before dunning recorded how (revision 0005)."""


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
    recovery_methods: dict[str, int]
    retention_checked: int
    """Recovered or paused cases whose 30-day check is done."""
    retained_30d: int
    """Of those, still subscribed (active or paused) at the check: the saved customers."""
    complete: bool
    """Every case closed and every 30-day check done: the numbers will not move again."""
    lift: list[Lift]


class DunningReport(BaseModel):
    period_from: datetime
    period_to: datetime
    group_by: GroupBy
    total: ReportGroup
    groups: list[ReportGroup]


def _money(totals: dict[str, int]) -> list[Money]:
    return [Money.of(amount, currency) for currency, amount in sorted(totals.items())]


@dataclass
class _Tally:
    """One group's aggregate rows, added up."""

    cases: int = 0
    reminders_recovered: int = 0
    recovered_without_reminders: int = 0
    open_cases: int = 0
    checks_pending: int = 0
    retention_checked: int = 0
    retained: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    methods: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))
    recovered_amount: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    open_amount: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, row: Any) -> None:
        outcome = row.outcome or "open"
        self.cases += row.cases
        self.outcomes[outcome] += row.cases
        self.checks_pending += row.cases if row.check_pending else 0
        if row.retained_30d is not None:
            self.retention_checked += row.cases
            self.retained += row.cases if row.retained_30d else 0
        if row.status == "open":
            self.open_cases += row.cases
            self.open_amount[row.currency] += int(row.amount_due)
        if outcome == "recovered":
            self.methods[row.recovery_method or "unattributed"] += row.cases
            self.recovered_amount[row.currency] += int(row.recovered_amount)
            self.reminders_recovered += int(row.reminders)
            self.recovered_without_reminders += int(row.without_reminders)

    def group(self, name: str, median_days: float | None, found_lift: list[Lift]) -> ReportGroup:
        recovered = self.outcomes["recovered"]
        return ReportGroup(
            group=name,
            cases=self.cases,
            recovered=recovered,
            recovery_rate=round(recovered / self.cases, 4) if self.cases else None,
            recovered_amount=_money(self.recovered_amount),
            open_amount=_money(self.open_amount),
            median_days_to_recover=None if median_days is None else round(median_days, 2),
            reminders_per_recovered_case=round(self.reminders_recovered / recovered, 3)
            if recovered
            else None,
            recovered_without_reminders=self.recovered_without_reminders,
            outcomes=self.outcomes,
            recovery_methods=self.methods,
            retention_checked=self.retention_checked,
            retained_30d=self.retained,
            complete=self.open_cases == 0 and self.checks_pending == 0,
            lift=found_lift,
        )


def _arms(rows: Iterable[Any]) -> tuple[dict[str, dict[str, Arm]], dict[str, Arm]]:
    """Per group and variant, and per variant over all groups, the recovered amounts as
    frequency tables for `lift`."""
    tables: dict[str, dict[str, dict[str, dict[int, int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    for row in rows:
        for key in (str(row.key), TOTAL):
            tables[key][row.variant][row.currency][int(row.value)] += int(row.cases)
    arms: dict[str, dict[str, Arm]] = {}
    for key, variants in tables.items():
        arms[key] = {}
        for variant, by_currency in variants.items():
            cases = sum(sum(values.values()) for values in by_currency.values())
            unrecovered = sum(values.get(0, 0) for values in by_currency.values())
            arms[key][variant] = Arm(cases, cases - unrecovered, by_currency)
    return {key: found for key, found in arms.items() if key != TOTAL}, arms.get(TOTAL, {})


async def dunning_report(
    conn: AsyncConnection, start: datetime, end: datetime, group_by: GroupBy
) -> DunningReport:
    """Four queries whatever the number of cases: the total is added up from the groups'
    rows, except its median, which needs its own."""
    dialect = conn.dialect.name
    key = report_sql.group_key(group_by, dialect)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    for row in await report_sql.counts(conn, key, start, end):
        tallies[str(row.key)].add(row)
        total.add(row)
    medians = await report_sql.median_days_to_recover(conn, key, start, end, dialect)
    total_median = await report_sql.median_days_to_recover(conn, None, start, end, dialect)
    arms, total_arms = _arms(await report_sql.recovered_amounts(conn, key, start, end))
    return DunningReport(
        period_from=start,
        period_to=end,
        group_by=group_by,
        total=total.group(TOTAL, total_median.get(TOTAL), lifts(total_arms)),
        groups=[
            tallies[name].group(name, medians.get(name), lifts(arms.get(name, {})))
            for name in sorted(tallies)
        ],
    )
