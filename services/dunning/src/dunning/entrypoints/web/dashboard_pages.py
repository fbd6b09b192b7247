"""The dashboard's sections as HTML; numbers come from `dunning_report`, unchanged."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dunning.adapters.case_queries import CaseDetail, CaseSummary, PeriodOverview, TimelineEntry
from dunning.adapters.report import OUTCOMES, DunningReport
from dunning.entrypoints.web import attribution, curve
from dunning.entrypoints.web.page import NOTHING_YET, amounts, esc
from shared.money import Money

OUTCOME_COLOURS = {
    "recovered": "#0b6e4f",
    "paused": "#2b6cb0",
    "canceled": "#a61b1b",
    "written_off": "#4a5568",
    "open": "#c05621",
}


def _kpi(name: str, label: str, value: str, raw: object) -> str:
    return (
        f'<div class="kpi"><dt>{esc(label)}</dt>'
        f'<dd data-kpi="{name}" data-value="{esc(raw)}">{value}</dd></div>'
    )


def kpis(report: DunningReport) -> str:
    t = report.total
    rate = "—" if t.recovery_rate is None else f"{t.recovery_rate:.1%}"
    per_case = "—" if t.reminders_per_recovered_case is None else f"{t.reminders_per_recovered_case:g}"
    return (
        '<dl class="kpis">'
        + _kpi("cases", "Cases", str(t.cases), t.cases)
        + _kpi("recovery_rate", "Recovery rate", rate, t.recovery_rate)
        + _kpi(
            "recovered_amount", "Recovered revenue", amounts(t.recovered_amount), amounts(t.recovered_amount)
        )
        + _kpi("open_amount", "Still open", amounts(t.open_amount), amounts(t.open_amount))
        + _kpi(
            "reminders_per_recovered_case", "Reminders per recovery", per_case, t.reminders_per_recovered_case
        )
        + _kpi(
            "recovered_without_reminders",
            "Recovered with no contact",
            str(t.recovered_without_reminders),
            t.recovered_without_reminders,
        )
        + "</dl>"
    )


def by_reason(report: DunningReport) -> str:
    head = "".join(f'<th class="num">{esc(o.replace("_", " "))}</th>' for o in OUTCOMES)
    rows = ""
    for g in report.groups:
        bar = "".join(
            f'<span class="bar" title="{esc(o)}: {n}" style="width:{n / g.cases * 8:.2f}rem;'
            f'background:{OUTCOME_COLOURS[o]}"></span>'
            for o, n in g.outcomes.items()
            if n
        )
        counts = "".join(f'<td class="num">{g.outcomes[o]}</td>' for o in OUTCOMES)
        rate = "—" if g.recovery_rate is None else f"{g.recovery_rate:.1%}"
        rows += (
            f'<tr><th scope="row">{esc(g.group)}</th><td class="num">{g.cases}</td>'
            f'<td class="num">{rate}</td>{counts}<td aria-hidden="true">{bar}</td></tr>'
        )
    return (
        '<table><thead><tr><th scope="col">Decline reason</th><th class="num">Cases</th>'
        f'<th class="num">Recovery rate</th>{head}<th></th></tr></thead><tbody>{rows}</tbody></table>'
    )


def cases(rows: list[CaseSummary]) -> str:
    if not rows:
        return '<p class="muted">No cases in this period.</p>'
    body = "".join(
        f'<tr><td><a href="/dashboard/cases/{esc(r.id)}">{esc(r.id)}</a></td><td>{r.opened_at:%Y-%m-%d}</td>'
        f"<td>{esc(r.decline_code)}</td><td>{esc(r.variant)}</td>"
        f'<td class="num">{esc(r.amount_due.format())}</td>'
        f'<td>{esc(r.outcome or r.status)}</td><td class="num">{r.reminders_sent}</td></tr>'
        for r in rows
    )
    return (
        '<table><thead><tr><th scope="col">Case</th><th scope="col">Opened</th><th scope="col">Reason</th>'
        '<th scope="col">Variant</th><th scope="col" class="num">Amount</th><th scope="col">Outcome</th>'
        f'<th scope="col" class="num">Reminders</th></tr></thead><tbody>{body}</tbody></table>'
    )


PAUSE_FIGURES = (
    ("pauses_started", "Pauses started"),
    ("pauses_resumed", "Pauses resumed"),
    ("cancel_intents", "Cancel attempts"),
    ("cancel_intents_that_became_pauses", "Cancels turned into pauses"),
    ("cancel_to_pause_rate", "Cancel → pause rate"),
    ("return_rate", "Still subscribed 3 months after resume"),
)


def pause_figures(data: dict[str, Any] | None) -> str:
    if data is None:
        return '<p class="muted" role="status">Pause figures are unavailable right now.</p>'
    items = ""
    for key, label in PAUSE_FIGURES:
        value = data.get(key)
        text = "—" if value is None else (f"{value:.1%}" if isinstance(value, float) else str(value))
        items += _kpi(f"pause_{key}", label, esc(text), value)
    fees = ", ".join(Money(**m).format() for m in data.get("fees_collected", [])) or NOTHING_YET.format()
    return f'<dl class="kpis">{items}{_kpi("pause_fees", "Beach fees collected", esc(fees), fees)}</dl>'


def timeline(entries: list[TimelineEntry]) -> str:
    items = "".join(
        f"<li><strong>{e.at:%Y-%m-%d %H:%M} UTC</strong> — {esc(e.kind.replace('_', ' '))}"
        + (f' <span class="muted">({esc(e.detail)})</span>' if e.detail else "")
        + "</li>"
        for e in entries
    )
    return f"<ol>{items}</ol>"


def overview(span: dict[str, str], figures: PeriodOverview, pauses: dict[str, Any] | None) -> str:
    """The period form, then dunning's figures, then pause's, then the cases themselves."""
    report, rows = figures.report, figures.cases
    return (
        '<form method="get" action="/dashboard" class="filters" aria-label="Period"><label for="from">'
        "From</label>"
        f'<input type="date" id="from" name="from" value="{esc(span.get("from", ""))}">'
        '<label for="to">To</label><input type="date" id="to" name="to" '
        f'value="{esc(span.get("to", ""))}">'
        '<button type="submit">Apply</button>'
        f'<a class="button secondary" href="/dashboard/report.csv?{esc(urlencode(span))}">Download '
        "CSV</a></form>"
        f'<h2 style="margin-top:1rem">Dunning</h2>{kpis(report)}'
        f"<section><h2>Recovery curve by policy variant</h2>{curve.svg(curve.curves(rows))}</section>"
        f"<section><h2>Outcomes by decline reason</h2>{by_reason(report)}</section>"
        "<section><h2>Recoveries by method per cohort</h2>"
        f"{attribution.methods_by_cohort(figures.cohorts)}</section>"
        f"<section><h2>Lift over the holdout</h2>{attribution.lift_chart(figures.cohorts)}</section>"
        f"<h2>Pauses</h2>{pause_figures(pauses)}"
        f"<section><h2>Cases ({len(rows)})</h2>{cases(rows[:200])}</section>"
    )


def case_page(case: CaseDetail) -> str:
    head = (
        f'<p class="muted">Customer {esc(case.customer_id)} · subscription {esc(case.subscription_id)} · '
        f"{esc(case.decline_code)} · variant {esc(case.variant)} · {esc(case.outcome or case.status)}</p>"
    )
    return f"{head}<section><h2>Timeline</h2>{timeline(case.timeline)}</section>"
