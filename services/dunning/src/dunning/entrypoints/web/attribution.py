"""What recovered each cohort's payments, and what each variant adds over the holdout.

Both charts are inline SVG drawn on the server, like the recovery curve: nothing is
loaded from elsewhere. A cohort whose cases are not all closed and checked 30 days
later is drawn pale and labelled "incomplete": its numbers will still move, so finance
should not compare it with finished ones.
"""

from __future__ import annotations

from dunning.adapters.lift import Lift
from dunning.adapters.report import METHODS, DunningReport, ReportGroup
from dunning.entrypoints.web.page import esc
from shared.money import currency_exponent

METHOD_COLOURS = dict(
    zip(
        METHODS,
        ("#2b6cb0", "#0b6e4f", "#c05621", "#97266d", "#b7791f", "#2c7a7b", "#4a5568", "#a0aec0"),
        strict=True,
    )
)
WIDTH, ROW, LABEL = 640, 28, 170
PALE = 0.35


def _label(method: str) -> str:
    return method.replace("_", " ")


def _cohort_bar(group: ReportGroup, index: int, widest: int) -> str:
    y, x, scale = index * ROW + 4, float(LABEL), (WIDTH - LABEL - 60) / max(widest, 1)
    opacity = 1.0 if group.complete else PALE
    state = "complete" if group.complete else "incomplete"
    parts = ""
    for method in METHODS:
        count = group.recovery_methods[method]
        if count:
            parts += (
                f'<rect x="{x:.1f}" y="{y}" width="{count * scale:.1f}" height="{ROW - 8}" '
                f'fill="{METHOD_COLOURS[method]}" data-method="{method}" data-count="{count}">'
                f"<title>{esc(group.group)} {_label(method)}: {count}</title></rect>"
            )
            x += count * scale
    return (
        f'<g data-cohort="{esc(group.group)}" data-complete="{str(group.complete).lower()}" '
        f'opacity="{opacity}"><text x="0" y="{y + ROW / 2}" font-size="12">{esc(group.group)}'
        f"{'' if group.complete else ' (incomplete)'}</text>{parts}"
        f'<text x="{x + 6:.1f}" y="{y + ROW / 2}" font-size="11">{group.recovered}</text>'
        f"<desc>{state}</desc></g>"
    )


def methods_by_cohort(report: DunningReport) -> str:
    """A stacked bar per cohort: its recoveries, split by what recovered them."""
    if not report.groups:
        return '<p class="muted">No cases in this period.</p>'
    widest = max(group.recovered for group in report.groups)
    bars = "".join(_cohort_bar(group, i, widest) for i, group in enumerate(report.groups))
    height = len(report.groups) * ROW + 8
    legend = "".join(
        f'<span><span class="bar" style="width:1.2rem;background:{colour}"></span> {_label(method)}</span>'
        for method, colour in METHOD_COLOURS.items()
    )
    incomplete = sum(1 for group in report.groups if not group.complete)
    return (
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" data-chart="methods-by-cohort" '
        f'aria-label="Recoveries by method per cohort; {incomplete} cohort(s) incomplete">{bars}</svg>'
        f'<p class="legend">{legend}</p>'
        '<p class="muted">Pale cohorts are incomplete: some cases are still open or not yet checked '
        "30 days after closing.</p>"
    )


def _per_case(lift: Lift) -> str:
    """Recovered revenue per case against the holdout, per currency, in major units."""

    def major(value: float | None, currency: str) -> str:
        return "—" if value is None else f"{value / 10 ** currency_exponent(currency):+,.2f}"

    return (
        "; ".join(
            f"{esc(c.currency)} {major(c.estimate, c.currency)} "
            f"({major(c.low, c.currency)} to {major(c.high, c.currency)})"
            for c in lift.recovered_per_case
        )
        or "—"
    )


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} pts"


def _lift_row(lift: Lift, index: int, span: float) -> str:
    rate = lift.recovery_rate
    y, middle = index * ROW + ROW / 2, LABEL + (WIDTH - LABEL - 20) / 2

    def x(value: float) -> float:
        return middle + value / span * (WIDTH - LABEL - 40) / 2

    interval = (
        f'<line x1="{x(rate.low):.1f}" x2="{x(rate.high):.1f}" y1="{y}" y2="{y}" stroke="#243b53" '
        'stroke-width="2" data-part="interval"/>'
        if rate.low is not None and rate.high is not None
        else ""
    )
    low, high = ("" if v is None else v for v in (rate.low, rate.high))
    return (
        f'<g data-variant="{esc(lift.variant)}" data-estimate="{rate.estimate}" '
        f'data-low="{low}" data-high="{high}">'
        f'<text x="0" y="{y + 4}" font-size="12">{esc(lift.variant)}</text>{interval}'
        f'<circle cx="{x(rate.estimate):.1f}" cy="{y}" r="5" fill="#0b6e4f"/>'
        f"<title>{esc(lift.variant)}: {_points(rate.estimate)} "
        f"(95% interval {_points(rate.low)} to {_points(rate.high)})</title></g>"
    )


def lift_chart(report: DunningReport) -> str:
    """Each variant's recovery-rate lift over the holdout, the dot with its 95% interval."""
    found = report.total.lift
    if not found:
        return '<p class="muted">No holdout cases in this period, so no lift to show.</p>'
    ends = [
        abs(v) for lift in found for v in (lift.recovery_rate.low, lift.recovery_rate.high) if v is not None
    ]
    span = max([0.05, *ends, *(abs(lift.recovery_rate.estimate) for lift in found)])
    middle = LABEL + (WIDTH - LABEL - 20) / 2
    height = len(found) * ROW + 24
    rows = "".join(_lift_row(lift, i, span) for i, lift in enumerate(found))
    table = "".join(
        f'<tr><th scope="row">{esc(lift.variant)}</th>'
        f'<td class="num">{_points(lift.recovery_rate.estimate)}</td>'
        f'<td class="num">{_points(lift.recovery_rate.low)} to {_points(lift.recovery_rate.high)}</td>'
        f'<td class="num" data-part="per-case">{_per_case(lift)}</td>'
        f'<td class="num">{lift.cases} / {lift.holdout_cases}</td></tr>'
        for lift in found
    )
    return (
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" data-chart="lift" '
        'aria-label="Recovery-rate lift over the holdout with 95% intervals">'
        f'<line x1="{middle}" x2="{middle}" y1="0" y2="{height - 20}" stroke="#9aa5b1" stroke-dasharray="4"/>'
        f'<text x="{middle}" y="{height - 6}" text-anchor="middle" font-size="11">holdout</text>{rows}</svg>'
        '<table><thead><tr><th scope="col">Variant</th><th scope="col" class="num">Lift in recovery rate</th>'
        '<th scope="col" class="num">95% interval</th>'
        '<th scope="col" class="num">Recovered per case (95% interval)</th>'
        '<th scope="col" class="num">Cases / holdout cases</th>'
        f"</tr></thead><tbody>{table}</tbody></table>"
    )
