"""The recovery curve: per policy variant, the share of cases recovered by day N.

Drawn as inline SVG on the server so the dashboard needs no chart library and loads
nothing from the internet. The curve's denominator is every case the variant opened,
so variants compare fairly even when one leaves more cases open.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dunning.entrypoints.web.page import esc

DAYS = 30
COLOURS = ("#0b6e4f", "#c05621", "#2b6cb0", "#97266d", "#4a5568")
WIDTH, HEIGHT, PAD = 640, 240, 36


def curves(rows: list[Any]) -> dict[str, list[float]]:
    """Cumulative recovered share for days 0..DAYS since the failure, per variant."""
    by_variant: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_variant[str(row.variant)].append(row)
    result: dict[str, list[float]] = {}
    for variant, cases in sorted(by_variant.items()):
        days = [
            (r.closed_at - r.opened_at).total_seconds() / 86400 for r in cases if r.outcome == "recovered"
        ]
        result[variant] = [sum(1 for d in days if d <= day) / len(cases) for day in range(DAYS + 1)]
    return result


def svg(series: dict[str, list[float]]) -> str:
    if not series:
        return '<p class="muted">No cases in this period.</p>'

    def x(day: int) -> float:
        return PAD + day * (WIDTH - 2 * PAD) / DAYS

    def y(share: float) -> float:
        return HEIGHT - PAD - share * (HEIGHT - 2 * PAD)

    grid = "".join(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(s)}" y2="{y(s)}" stroke="#e4e7eb"/>'
        f'<text x="{PAD - 6}" y="{y(s) + 4}" text-anchor="end" font-size="11">{int(s * 100)}%</text>'
        for s in (0, 0.25, 0.5, 0.75, 1)
    ) + "".join(
        f'<text x="{x(d)}" y="{HEIGHT - PAD + 16}" text-anchor="middle" font-size="11">{d}</text>'
        for d in range(0, DAYS + 1, 5)
    )
    lines, legend = "", ""
    for i, (variant, shares) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{x(d):.1f},{y(s):.1f}" for d, s in enumerate(shares))
        lines += f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}"/>'
        legend += (
            f'<span><span class="bar" style="width:1.2rem;background:{colour}"></span> {esc(variant)}</span>'
        )
    summary = "; ".join(f"{esc(v)}: {s[-1]:.0%} by day {DAYS}" for v, s in series.items())
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="Recovery curve. {summary}">'
        f"{grid}{lines}"
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 4}" text-anchor="middle" font-size="11">days since the '
        "failure</text>"
        f'</svg><p class="legend">{legend}</p>'
    )
