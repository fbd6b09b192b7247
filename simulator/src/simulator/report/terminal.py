"""The comparison in the terminal, as a rich table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from simulator.metrics import METRICS, formatted, recovery_methods
from simulator.model.tally import Tally
from simulator.report.results import Results


def _pooled(results: Results) -> dict[str, Tally]:
    """Every seed's counts added up per variant: shares of all recoveries in the run."""
    pooled: dict[str, Tally] = {variant: Tally() for variant in results.variants}
    for run in results.tallies:
        for variant, tally in run.items():
            pooled[variant].update(tally)
    return pooled


def methods_table(results: Results) -> Table:
    """What recovered the payments, in dunning's vocabulary, the same for either engine."""
    shares = {variant: recovery_methods(tally) for variant, tally in _pooled(results).items()}
    table = Table(title="recoveries by method (share of recovered cases)")
    table.add_column("recovery method")
    for variant in shares:
        table.add_column(variant, justify="right")
    for method in sorted({m for found in shares.values() for m in found}):
        table.add_row(
            method.replace("_", " "), *(f"{found.get(method, 0.0):.1%}" for found in shares.values())
        )
    return table


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
    console.print(methods_table(results))
    for note in results.notes:
        console.print(f"[dim]- {note}[/dim]")
