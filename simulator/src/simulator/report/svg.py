"""Bar charts as inline SVG, so the report opens offline with no script or font to fetch."""

from __future__ import annotations

from html import escape

from simulator.metrics import formatted
from simulator.stats import Estimate

COLOURS = ("#2a9d8f", "#e76f51", "#264653", "#e9c46a", "#8ab17d")
WIDTH, BAR, GAP, LABEL = 420, 26, 12, 110


def bar_chart(title: str, metric: str, estimates: dict[str, Estimate]) -> str:
    """One horizontal bar per policy, with its 95% interval as a whisker."""
    top = max((e.mean + e.half_width for e in estimates.values()), default=0.0) or 1.0
    scale = (WIDTH - LABEL - 90) / top
    height = 30 + len(estimates) * (BAR + GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><text x="0" y="16" font-weight="bold">{escape(title)}</text>'
    ]
    for row, (variant, est) in enumerate(estimates.items()):
        y = 28 + row * (BAR + GAP)
        length = max(est.mean * scale, 1.0)
        colour = COLOURS[row % len(COLOURS)]
        low, high = (est.mean - est.half_width) * scale, (est.mean + est.half_width) * scale
        parts += [
            f'<text x="0" y="{y + 18}">{escape(variant)}</text>',
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{colour}"/>',
            f'<line x1="{LABEL + low:.1f}" x2="{LABEL + high:.1f}" '
            f'y1="{y + 13}" y2="{y + 13}" stroke="#000"/>',
            f'<text x="{LABEL + length + 6:.1f}" y="{y + 18}">{escape(formatted(metric, est.mean))}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
