"""The portal's pages as HTML strings; the routes in `portal.py` decide which to show."""

from __future__ import annotations

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.subscription_view import SubscriptionView
from pause.entrypoints.web.page import day, esc, money
from pause.service_layer.messages import PauseOptions, PortalSummary

STATUS = {"active": "Active", "past_due": "Payment due", "paused": "On the beach", "canceled": "Canceled"}


def _post(action: str, label: str, css: str = "", fields: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    button = f'<button type="submit"{cls}>{esc(label)}</button>'
    return f'<form method="post" action="{esc(action)}">{fields}{button}</form>'


def _pause_block(pause: BeachPause, room: int) -> str:
    """A live pause, with only the extensions the plan still allows."""
    state = "starts" if pause.status == PauseStatus.SCHEDULED else "started"
    extend = "".join(
        f'<option value="{m}">{m} more month{"s" if m > 1 else ""}</option>' for m in range(1, room + 1)
    )
    form = (
        f'<form method="post" action="/portal/pauses/{esc(pause.id)}/extend" class="row">'
        f'<label for="extend-{esc(pause.id)}" class="muted" style="margin:0">Extend by</label>'
        f'<select id="extend-{esc(pause.id)}" name="months" style="width:auto">{extend}</select>'
        '<button type="submit" class="secondary">Extend break</button></form>'
        if room > 0
        else '<p class="muted">This break is already as long as your plan allows.</p>'
    )
    return (
        f'<div class="notice" role="status">On the beach: your break {state} {day(pause.starts_at)} and '
        f"your subscription resumes on <strong>{day(pause.resumes_at)}</strong>. "
        f"Fee: {money(pause.fee_per_month)} a month.</div>"
        '<div class="actions">'
        + _post(f"/portal/pauses/{pause.id}/resume", "Resume now", "secondary")
        + form
        + "</div>"
    )


def _subscription(view: SubscriptionView, pause: BeachPause | None, room: int = 0) -> str:
    next_charge = (
        f"<dt>Next charge</dt><dd>{money(view.price)} on {day(view.current_period_end)}</dd>"
        if view.status in ("active", "past_due") and pause is None
        else ""
    )
    actions = ""
    if view.status != "canceled" and pause is None:
        pick = '<a class="button" href="/portal/payment-date">Pick a payment date</a>'
        actions = (
            f'<div class="actions">{pick if view.status == "past_due" else ""}'
            f'<a class="button" href="/portal/subscriptions/{esc(view.id)}/pause">'
            "Take a break</a>"
            f'<a href="/portal/subscriptions/{esc(view.id)}/cancel">Cancel subscription</a></div>'
        )
    return (
        f'<section class="card" aria-labelledby="s-{esc(view.id)}"><div class="row">'
        f'<h2 id="s-{esc(view.id)}">{esc(view.plan_code)}</h2>'
        f'<span class="badge">{esc(STATUS.get(view.status, view.status))}</span></div>'
        f"<dl><dt>Price</dt><dd>{money(view.price)} a month</dd>{next_charge}</dl>"
        + (_pause_block(pause, room) if pause else "")
        + actions
        + "</section>"
    )


def home(summary: PortalSummary) -> str:
    hello = f"Hello {esc(summary.name)}. " if summary.name else ""
    subs = "".join(
        _subscription(v, summary.live_pauses.get(v.id), summary.extension_room.get(v.id, 0))
        for v in summary.subscriptions
    )
    if not subs:
        subs = (
            '<p class="card">We could not find a subscription yet. '
            "If you just signed up, refresh in a moment.</p>"
        )
    card = summary.card
    card_line = (
        f"{esc(card.brand.title())} card ending ••••{esc(card.last4)}, expires "
        f"{card.exp_month:02d}/{card.exp_year}"
        if card
        else "We have not seen your card details yet."
    )
    return (
        f'<p class="muted">{hello}Here is your subscription. Changes take effect at once.</p>{subs}'
        '<section class="card" aria-labelledby="card-h"><h2 id="card-h">Card on file</h2>'
        f'<p>{card_line}</p><div class="actions">'
        '<a class="button secondary" href="/portal/card">Update card</a>'
        '<a href="/portal/cards">Manage cards</a></div></section>'
    )


def options(opts: PauseOptions, action: str, heading: str) -> str:
    if not opts.eligible:
        return (
            f'<p class="error" role="alert">{esc(opts.message or "A break is not available right now.")}</p>'
        )
    choices = "".join(
        '<label class="choice"><input type="radio" name="months" '
        f'value="{d.months}"{" checked" if i == 0 else ""}>'
        f"<span><strong>{d.months} month{'s' if d.months > 1 else ''}</strong> for {money(d.fee_total)}"
        f'<br><span class="muted">Back on {day(d.resumes_at)}</span></span></label>'
        for i, d in enumerate(opts.durations)
    )
    return (
        f'<form method="get" action="{esc(action)}"><fieldset><legend><h2>{esc(heading)}</h2></legend>'
        f'<p class="muted">Keep your account, your data and your price of {money(opts.regular_price)} a '
        "month. "
        f"While you are away you pay only {money(opts.fee_per_month)} a month.</p>"
        f'{choices}</fieldset><div class="actions"><button type="submit">Continue</button>'
        '<a href="/portal">Not now</a></div></form>'
    )


def confirm_pause(opts: PauseOptions, months: int) -> str:
    chosen = next(d for d in opts.durations if d.months == months)
    return (
        '<section class="card"><dl>'
        f"<dt>Break</dt><dd>{months} month{'s' if months > 1 else ''}</dd>"
        f"<dt>Starts</dt><dd>{day(chosen.starts_at)}</dd>"
        f"<dt>You are back on</dt><dd>{day(chosen.resumes_at)}</dd>"
        f"<dt>Fee</dt><dd>{money(chosen.fee_total)} in total ({money(opts.fee_per_month)} a month)</dd>"
        "</dl>"
        '<p class="muted">You can come back early or extend at any time. We will remind you a week '
        "before.</p>"
        '<div class="actions">'
        + _post(
            f"/portal/subscriptions/{opts.subscription_id}/pause",
            "Confirm my break",
            fields=f'<input type="hidden" name="months" value="{months}">',
        )
        + f'<a href="/portal/subscriptions/{esc(opts.subscription_id)}/pause">Choose another length</a>'
        "</div></section>"
    )
