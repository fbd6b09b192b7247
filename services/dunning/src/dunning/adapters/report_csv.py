"""The finance report as CSV: one row per group then the total, the JSON's columns flat.

Money is `15.00 USD`, several currencies joined by `; `. Lift gets columns per variant
(taken from every group, so each row has the same columns); revenue per case is in
minor units, as `USD 750.0 [-547.7, 2047.7]`, the 95% interval in brackets.
"""

from __future__ import annotations

import csv
import io

from dunning.adapters.lift import Interval, Lift
from dunning.adapters.report import METHODS, OUTCOMES, DunningReport, ReportGroup

BASE_COLUMNS = (
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
    *(f"method_{m}" for m in METHODS),
    "retention_checked",
    "retained_30d",
    "complete",
)


def _blank(value: object) -> object:
    return "" if value is None else value


def _bounds(interval: Interval) -> str:
    return f"[{_blank(interval.low)}, {_blank(interval.high)}]"


def _lift_columns(variant: str) -> tuple[str, ...]:
    prefix = f"lift_{variant}"
    return (
        f"{prefix}_recovery_rate",
        f"{prefix}_recovery_rate_low",
        f"{prefix}_recovery_rate_high",
        f"{prefix}_recovered_per_case",
    )


def _lift_cells(lift: Lift | None) -> list[object]:
    if lift is None:
        return ["", "", "", ""]
    rate = lift.recovery_rate
    per_case = "; ".join(f"{c.currency} {c.estimate} {_bounds(c)}" for c in lift.recovered_per_case)
    return [rate.estimate, _blank(rate.low), _blank(rate.high), per_case]


def _row(group: ReportGroup, variants: list[str]) -> list[object]:
    by_variant = {lift.variant: lift for lift in group.lift}
    return [
        group.group,
        group.cases,
        group.recovered,
        _blank(group.recovery_rate),
        "; ".join(m.format() for m in group.recovered_amount),
        "; ".join(m.format() for m in group.open_amount),
        _blank(group.median_days_to_recover),
        _blank(group.reminders_per_recovered_case),
        group.recovered_without_reminders,
        *(group.outcomes[o] for o in OUTCOMES),
        *(group.recovery_methods[m] for m in METHODS),
        group.retention_checked,
        group.retained_30d,
        str(group.complete).lower(),
        *(cell for variant in variants for cell in _lift_cells(by_variant.get(variant))),
    ]


def as_csv(report: DunningReport) -> str:
    rows = [*report.groups, report.total]
    variants = sorted({lift.variant for group in rows for lift in group.lift})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*BASE_COLUMNS, *(c for variant in variants for c in _lift_columns(variant))])
    for group in rows:
        writer.writerow(_row(group, variants))
    return out.getvalue()
