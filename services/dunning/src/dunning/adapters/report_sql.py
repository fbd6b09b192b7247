"""The finance report's SQL: GROUP BY aggregates on SQLite and PostgreSQL alike.

The report must answer over 100,000 cases in well under a second, so no case leaves
the database: each query returns a few rows per group (one per combination of
outcome, currency and check state, the middle durations, or the recovered amounts
and how many cases had each), and `report` folds them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters.orm import dunning_cases as t

GroupBy = Literal["reason", "variant", "month", "cohort", "recovery_method"]
RECOVERED = "recovered"


TOTAL = "total"
Key = ColumnElement[Any] | None
"""The grouping expression; None for the total over every case."""


def group_key(group_by: GroupBy, dialect: str) -> ColumnElement[Any]:
    """The group a case falls in; a cohort is the month of the failure that opened it."""
    if group_by == "variant":
        return t.c.variant
    if group_by == "reason":
        return t.c.decline_code
    if group_by == "recovery_method":
        return case(
            (t.c.outcome == RECOVERED, func.coalesce(t.c.recovery_method, "unattributed")),
            else_=func.coalesce(t.c.outcome, "open"),
        )
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", t.c.opened_at), "YYYY-MM")
    return func.strftime("%Y-%m", t.c.opened_at)


def _days_to_close(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", t.c.closed_at - t.c.opened_at) / 86400.0
    return func.julianday(t.c.closed_at) - func.julianday(t.c.opened_at)


def _label(key: Key) -> ColumnElement[Any]:
    """PostgreSQL refuses a constant in GROUP BY, so the total's key is only selected."""
    return (literal_column(f"'{TOTAL}'") if key is None else key).label("key")


def _by(key: Key, *columns: Any) -> list[Any]:
    return [*([] if key is None else [key]), *columns]


def _opened_in(query: Select[Any], start: datetime, end: datetime) -> Select[Any]:
    return query.where(t.c.opened_at >= start, t.c.opened_at < end)


def _recovered_value() -> ColumnElement[Any]:
    return case((t.c.outcome == RECOVERED, func.coalesce(t.c.recovered_amount, t.c.amount_due)), else_=0)


async def counts(conn: AsyncConnection, key: Key, start: datetime, end: datetime) -> list[Any]:
    """Per group and combination of facts: cases, amounts and reminders, summed."""
    pending = case((t.c.retention_check_at.is_(None), 0), else_=1)
    dimensions = (t.c.status, t.c.outcome, t.c.recovery_method, t.c.currency, t.c.retained_30d, pending)
    query = select(
        _label(key),
        *dimensions[:-1],
        pending.label("check_pending"),
        func.count().label("cases"),
        func.sum(t.c.amount_due).label("amount_due"),
        func.sum(_recovered_value()).label("recovered_amount"),
        func.sum(t.c.reminders_sent).label("reminders"),
        func.sum(case((t.c.reminders_sent == 0, 1), else_=0)).label("without_reminders"),
    ).group_by(*_by(key, *dimensions))
    return list((await conn.execute(_opened_in(query, start, end))).all())


async def median_days_to_recover(
    conn: AsyncConnection, key: Key, start: datetime, end: datetime, dialect: str
) -> dict[str, float]:
    """The middle one or two recoveries of each group by duration, averaged in SQL:
    PostgreSQL's ordered-set aggregate, or a ranking where SQLite has none."""
    if dialect == "postgresql":
        middle = func.percentile_cont(0.5).within_group(_days_to_close(dialect))
        found = _opened_in(select(_label(key), middle).where(t.c.outcome == RECOVERED), start, end)
        grouped = found if key is None else found.group_by(key)
        rows = (await conn.execute(grouped)).all()
        return {str(key_): float(value) for key_, value in rows if value is not None}
    days = _days_to_close(dialect).label("days")
    ranked = _opened_in(
        select(
            _label(key),
            days,
            func.row_number().over(partition_by=key, order_by=days).label("rank"),
            func.count().over(partition_by=key).label("n"),
        ).where(t.c.outcome == RECOVERED),
        start,
        end,
    ).subquery()
    half = (ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2
    query = (
        select(ranked.c.key, func.avg(ranked.c.days)).where(ranked.c.rank.in_(half)).group_by(ranked.c.key)
    )
    return {str(key_): float(value) for key_, value in (await conn.execute(query)).all()}


async def recovered_amounts(conn: AsyncConnection, key: Key, start: datetime, end: datetime) -> list[Any]:
    """Per group, variant and currency: each recovered amount (0 if none) and its cases."""
    value = _recovered_value()
    query = select(
        _label(key),
        t.c.variant,
        t.c.currency,
        value.label("value"),
        func.count().label("cases"),
    ).group_by(*_by(key, t.c.variant, t.c.currency, value))
    return list((await conn.execute(_opened_in(query, start, end))).all())
