"""The billing run's figures: median and spread over the repetitions, each with its
ratio to the same repetition's raw baselines; printed, and written to docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from benchmarks.billing_run import BATCH_SIZE, Repetition
from billing.service_layer.collection import IN_FLIGHT

DOCS = Path("docs/benchmarks.md")
HEADER = """# Benchmarks

Written by `make bench` (`python -m benchmarks`); each section is the output of one run,
replaced when the benchmark runs again with the same number of renewals. These machines
are shared and noisy: compare the ratios, which are taken against raw baselines measured
on the same PostgreSQL server in the same repetition, more than the absolute figures.
"""
Figure = Callable[[Repetition], float]
R = TypeVar("R")


@dataclass(frozen=True)
class Row:
    name: str
    unit: str
    value: Figure
    ratios: bool = True


ROWS = [
    Row("raw batched INSERT, 200 rows per commit (baseline)", "rows/s", lambda r: r.batched_rows_s, False),
    Row("raw single-row INSERT+COMMIT (baseline)", "rows/s", lambda r: r.single_commits_s, False),
    Row(f"(a) invoicing and queueing, `run_until_done` (batches of {BATCH_SIZE})", "renewals/s",
        lambda r: r.renewals_s),
    Row(f"(b) collecting, `collect_pending` ({IN_FLIGHT} at a time)", "charges/s",
        lambda r: r.charges_s),
    Row("(a) CPU of this process per renewal", "ms", lambda r: 1000 * r.invoicing_cpu_s / r.renewals, False),
    Row("(b) CPU of this process per charge", "ms", lambda r: 1000 * r.collecting_cpu_s / r.renewals, False),
    Row("set-up, not timed in the figures above", "s", lambda r: r.setup_s, False),
]  # fmt: skip


def spread(runs: list[R], figure: Callable[[R], float], digits: int) -> str:
    values = [figure(r) for r in runs]
    fmt = f"{{:,.{digits}f}}"
    median = fmt.format(statistics.median(values))
    return (
        median if len(values) == 1 else f"{median} ({fmt.format(min(values))} to {fmt.format(max(values))})"
    )


def digits_for(value: float) -> int:
    return 0 if value >= 100 else 2 if value >= 1 else 3


def table(runs: list[Repetition]) -> list[str]:
    lines = [
        "| figure | unit | median (min to max) | ÷ raw batched INSERT | ÷ raw single-row commits |",
        "|---|---|---:|---:|---:|",
    ]
    for row in ROWS:
        digits = digits_for(statistics.median(row.value(r) for r in runs))
        cells = [row.name, row.unit, spread(runs, row.value, digits), "", ""]
        if row.ratios:
            cells[3] = spread(runs, lambda r, v=row.value: v(r) / r.batched_rows_s, 3)  # type: ignore[misc]
            cells[4] = spread(runs, lambda r, v=row.value: v(r) / r.single_commits_s, 2)  # type: ignore[misc]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def machine(postgres: str) -> list[str]:
    return [
        f"- machine: `{' '.join(os.uname())}`",
        f"- CPUs: {os.cpu_count()}",
        f"- Python: {platform.python_version()}",
        f"- PostgreSQL: {postgres}",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    ]


def section(runs: list[Repetition], postgres: str, sample: int) -> str:
    n = runs[0].renewals
    loads = ", ".join(f"{r.load_before[0]:.2f} → {r.load_after[0]:.2f}" for r in runs)
    lines = [
        f"<!-- billing-run:{n} -->",
        f"## Billing run, {n:,} due subscriptions, {len(runs)} run{'s' if len(runs) > 1 else ''}",
        "",
        *machine(postgres),
        f"- 1-minute load average before → after each run: {loads}",
        f"- single-row baseline on {sample:,} rows; each run on a fresh database",
        "",
        *table(runs),
        f"<!-- /billing-run:{n} -->",
    ]
    return "\n".join(lines) + "\n"


def write_docs(runs: list[Repetition], postgres: str, sample: int, path: Path = DOCS) -> None:
    write_section(f"billing-run:{runs[0].renewals}", section(runs, postgres, sample), path)


def write_section(marker: str, new: str, path: Path = DOCS) -> None:
    """Replace the section between `<!-- marker -->` and `<!-- /marker -->` in
    docs/benchmarks.md (or add it), keeping the others."""
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(rf"<!-- {re.escape(marker)} -->.*?<!-- /{re.escape(marker)} -->\n", re.S)
    text = pattern.sub(lambda _: new, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + new
    path.write_text(text)
