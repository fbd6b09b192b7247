"""One self-contained HTML page: the comparison table and a chart per metric."""

from __future__ import annotations

from html import escape
from pathlib import Path

from simulator.metrics import METRICS, formatted
from simulator.report.results import Results
from simulator.report.svg import bar_chart

STYLE = "body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{padding:4px 10px;text-align:right}"


def _table(results: Results) -> str:
    estimates = results.estimates()
    head = "".join(f"<th>{escape(v)}</th>" for v in estimates)
    rows = []
    for metric, label in METRICS.items():
        cells = "".join(
            f"<td>{formatted(metric, e[metric].mean)}"
            + (f" ± {formatted(metric, e[metric].half_width)}" if e[metric].n > 1 else "")
            + "</td>"
            for e in estimates.values()
        )
        rows.append(f"<tr><th style='text-align:left'>{escape(label)}</th>{cells}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def write_html(results: Results, folder: Path) -> Path:
    estimates = results.estimates()
    charts = "".join(
        bar_chart(label, metric, {v: e[metric] for v, e in estimates.items()})
        for metric, label in METRICS.items()
    )
    notes = "".join(f"<li>{escape(note)}</li>" for note in results.notes)
    seeds = ", ".join(str(s) for s in results.seeds)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Dunning simulation</title>"
        f"<style>{STYLE}</style></head><body><h1>Dunning policy simulation</h1>"
        f"<p>{results.customers:,} customers, {results.months} months, "
        f"engine <b>{escape(results.engine)}</b>, "
        f"seeds {escape(seeds)}; ± is the 95% interval over seeds.</p>{_table(results)}"
        f"<h2>Charts</h2>{charts}<h2>Notes</h2><ul>{notes}</ul></body></html>"
    )
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
