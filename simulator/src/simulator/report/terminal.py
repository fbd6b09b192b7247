"""The comparison in the terminal, as a rich table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from simulator.metrics import METRICS, formatted
from simulator.report.results import Results


def print_summary(results: Results, console: Console) -> None:
    estimates = results.estimates()
    table = Table(title=f"{results.engine} engine: {results.customers:,} customers x {results.months} months")
    table.add_column("metric")
    for variant in estimates:
        table.add_column(variant, justify="right")
    for metric, label in METRICS.items():
        cells = []
        for e in estimates.values():
            est = e[metric]
            spread = f" ± {formatted(metric, est.half_width)}" if est.n > 1 else ""
            cells.append(formatted(metric, est.mean) + spread)
        table.add_row(label, *cells)
    console.print(table)
    for note in results.notes:
        console.print(f"[dim]- {note}[/dim]")
