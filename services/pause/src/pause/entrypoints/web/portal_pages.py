"""The portal's pages as HTML strings; the routes in `portal.py` decide which to show.

Copy is English in the code and translated through the catalogues (`t`); every refusal
comes with a way forward, a link to what the customer can do instead.
"""

from __future__ import annotations

from datetime import datetime

from pause.domain.card_on_file import CardOnFile
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.subscription_view import SubscriptionView
from pause.entrypoints.web.page import N_, day, esc, local_date, money, ngettext, t
from pause.entrypoints.web.portal_refusals import REFUSALS
from pause.service_layer.messages import PauseOptions, PortalSummary

STATUS = {
    "active": N_("Active"),
    "past_due": N_("Payment due"),
    "paused": N_("On the beach"),
    "canceled": N_("Canceled"),
}
LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "ja": "日本語"}
"""Each language named in itself, so a customer finds their own whatever the page reads."""


def _post(action: str, label: str, css: str = "", fields: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    button = f'<button type="submit"{cls}>{t(label)}</button>'
    return f'<form method="post" action="{esc(action)}">{fields}{button}</form>'


def _months(n: int) -> str:
    return esc(ngettext("%(n)d month", "%(n)d months", n) % {"n": n})


def _pause_block(pause: BeachPause, room: int) -> str:
    """A live pause, with only the extensions the plan still allows."""
    extend = "".join(
        f'<option value="{m}">{esc(ngettext("%(n)d more month", "%(n)d more months", m) % {"n": m})}</option>'
        for m in range(1, room + 1)
    )
    form = (
        f'<form method="post" action="/portal/pauses/{esc(pause.id)}/extend" class="row">'
        f'<label for="extend-{esc(pause.id)}" class="muted" style="margin:0">{t("Extend by")}</label>'
        f'<select id="extend-{esc(pause.id)}" name="months" style="width:auto">{extend}</select>'
        f'<button type="submit" class="secondary">{t("Extend break")}</button></form>'
        if room > 0
        else f'<p class="muted">{t("This break is already as long as your plan allows.")}</p>'
    )
    when = (
        N_("On the beach: your break starts %(start)s and your subscription resumes on %(resume)s.")
        if pause.status == PauseStatus.SCHEDULED
        else N_("On the beach: your break started %(start)s and your subscription resumes on %(resume)s.")
    )
    return (
        '<div class="notice" role="status">'
        + t(when, start=day(pause.starts_at), resume=f"<strong>{day(pause.resumes_at)}</strong>")
        + " "
        + t("Fee: %(fee)s a month.", fee=money(pause.fee_per_month))
        + '</div><div class="actions">'
        + _post(f"/portal/pauses/{pause.id}/resume", N_("Resume now"), "secondary")
        + form
        + "</div>"
    )


def _subscription(
    view: SubscriptionView, pause: BeachPause | None, room: int = 0, recovering: bool = False
) -> str:
    """`recovering`: a session from a recovery link, which may pick a payment date or take
    the beach offer, never cancel: only what it may do is offered."""
    next_charge = (
        f"<dt>{t('Next charge')}</dt><dd>"
        + t("%(amount)s on %(day)s", amount=money(view.price), day=day(view.current_period_end))
        + "</dd>"
        if view.status in ("active", "past_due") and pause is None
        else ""
    )
    actions = ""
    if view.status != "canceled" and pause is None:
        pick = f'<a class="button" href="/portal/payment-date">{t("Pick a payment date")}</a>'
        pause_link = (
            f'<a class="button" href="/portal/subscriptions/{esc(view.id)}/pause">{t("Take a break")}</a>'
        )
        cancel = f'<a href="/portal/subscriptions/{esc(view.id)}/cancel">{t("Cancel subscription")}</a>'
        actions = (
            f'<div class="actions">{pick if view.status == "past_due" else ""}'
            + (pause_link if view.dunning_offer_open or not recovering else "")
            + ("" if recovering else cancel)
            + "</div>"
        )
    return (
        f'<section class="card" aria-labelledby="s-{esc(view.id)}"><div class="row">'
        f'<h2 id="s-{esc(view.id)}">{esc(view.plan_title)}</h2>'
        f'<span class="badge">{t(STATUS.get(view.status, view.status))}</span></div>'
        f"<dl><dt>{t('Price')}</dt><dd>{t('%(amount)s a month', amount=money(view.price))}</dd>"
        f"{next_charge}</dl>" + (_pause_block(pause, room) if pause else "") + actions + "</section>"
    )


def card_warning(card: CardOnFile | None, now: datetime) -> str:
    """An expired card, or one that expires this month, is said before a payment fails."""
    if card is None:
        return ""
    today = local_date(now)
    expires = (card.exp_year, card.exp_month)
    if expires < (today.year, today.month):
        text = N_("Your card on file has expired. Please add a new one so your subscription carries on.")
    elif expires == (today.year, today.month):
        text = N_("Your card on file expires this month. Add your new card now and nothing will interrupt.")
    else:
        return ""
    return (
        f'<div class="warning" role="alert"><p style="margin:0 0 .5rem">{t(text)}</p>'
        f'<a class="button" href="/portal/card">{t("Update your card")}</a></div>'
    )


def _language_form(current: str) -> str:
    options = "".join(
        f'<option value="{code}"{" selected" if code == current else ""} lang="{code}">{esc(name)}</option>'
        for code, name in LANGUAGES.items()
    )
    return (
        '<section class="card" aria-labelledby="lang-h">'
        f'<h2 id="lang-h">{t("Language")}</h2>'
        '<form method="post" action="/portal/language" class="row">'
        f'<label for="locale" class="muted" style="margin:0">{t("Emails and pages in")}</label>'
        f'<select id="locale" name="locale" style="width:auto">{options}</select>'
        f'<button type="submit" class="secondary">{t("Save")}</button></form></section>'
    )


def home(summary: PortalSummary, language: str = "en", *, recovering: bool = False) -> str:
    hello = t("Hello %(name)s.", name=esc(summary.name)) + " " if summary.name else ""
    subs = "".join(
        _subscription(v, summary.live_pauses.get(v.id), summary.extension_room.get(v.id, 0), recovering)
        for v in summary.subscriptions
    )
    if not subs:
        subs = (
            f'<p class="card">{t("We could not find a subscription yet.")} '
            f"{t('If you just signed up, refresh in a moment.')}</p>"
        )
    card = summary.card
    card_line = (
        t(
            "%(brand)s card ending %(last4)s, expires %(month)s",
            brand=esc(card.brand.title()),
            last4=f"••••{esc(card.last4)}",
            month=f"{card.exp_month:02d}/{card.exp_year}",
        )
        if card
        else t("We have not seen your card details yet.")
    )
    return (
        card_warning(card, summary.now)
        + f'<p class="muted">{hello}{t("Here is your subscription. Changes take effect at once.")}</p>{subs}'
        '<section class="card" aria-labelledby="card-h">'
        f'<h2 id="card-h">{t("Card on file")}</h2>'
        f'<p>{card_line}</p><div class="actions">'
        f'<a class="button secondary" href="/portal/card">{t("Update card")}</a>'
        f'<a href="/portal/cards">{t("Manage cards")}</a></div></section>'
        '<section class="card" aria-labelledby="inv-h">'
        f'<h2 id="inv-h">{t("Invoices")}</h2>'
        f'<p class="muted">{t("Every invoice, with a receipt you can print or save as PDF.")}</p>'
        f'<a class="button secondary" href="/portal/invoices">{t("See your invoices")}</a></section>'
        + _language_form(language)
    )


def refusal(opts: PauseOptions) -> str:
    """Why not, in the customer's words, and what they can do instead."""
    text = REFUSALS.get(opts.reason or "", N_("A break is not available right now."))
    when = day(opts.refused_until) if opts.refused_until else ""
    message = t(text, day=when) if "%(day)s" in text else t(text)
    ways = []
    if opts.reason == "open_dunning_case":
        ways.append(f'<a class="button" href="/portal/card">{t("Update your card")}</a>')
        ways.append(f'<a class="button" href="/portal/payment-date">{t("Pick a payment date")}</a>')
    if opts.reason == "already_paused":
        ways.append(f'<a class="button" href="/portal">{t("Extend or resume your break")}</a>')
    ways.append(f'<a class="button secondary" href="/portal">{t("Back to your subscription")}</a>')
    return f'<p class="error" role="alert">{message}</p><div class="actions">{"".join(ways)}</div>'


def options(opts: PauseOptions, action: str, heading: str) -> str:
    if not opts.eligible:
        return refusal(opts)
    choices = "".join(
        '<label class="choice"><input type="radio" name="months" '
        f'value="{d.months}"{" checked" if i == 0 else ""}>'
        f"<span><strong>{_months(d.months)}</strong> "
        + t("for %(amount)s", amount=money(d.fee_total))
        + f'<br><span class="muted">{t("Back on %(day)s", day=day(d.resumes_at))}</span></span></label>'
        for i, d in enumerate(opts.durations)
    )
    return (
        f'<form method="get" action="{esc(action)}"><fieldset><legend><h2>{t(heading)}</h2></legend>'
        '<p class="muted">'
        + t(
            "Keep your account, your data and your price of %(price)s a month. "
            "While you are away you pay only %(fee)s a month.",
            price=money(opts.regular_price),
            fee=money(opts.fee_per_month),
        )
        + f"</p>{choices}</fieldset>"
        f'<div class="actions"><button type="submit">{t("Continue")}</button>'
        f'<a href="/portal">{t("Not now")}</a></div></form>'
    )


def confirm_pause(opts: PauseOptions, months: int) -> str:
    chosen = next(d for d in opts.durations if d.months == months)
    return (
        '<section class="card"><dl>'
        f"<dt>{t('Break')}</dt><dd>{_months(months)}</dd>"
        f"<dt>{t('Starts')}</dt><dd>{day(chosen.starts_at)}</dd>"
        f"<dt>{t('You are back on')}</dt><dd>{day(chosen.resumes_at)}</dd>"
        f"<dt>{t('Fee')}</dt><dd>"
        + t(
            "%(total)s in total (%(fee)s a month)",
            total=money(chosen.fee_total),
            fee=money(opts.fee_per_month),
        )
        + "</dd></dl>"
        '<p class="muted">'
        + t("You can come back early or extend at any time. We will remind you a week before.")
        + "</p>"
        '<div class="actions">'
        + _post(
            f"/portal/subscriptions/{opts.subscription_id}/pause",
            N_("Confirm my break"),
            fields=f'<input type="hidden" name="months" value="{months}">',
        )
        + f'<a href="/portal/subscriptions/{esc(opts.subscription_id)}/pause">'
        + t("Choose another length")
        + "</a>"
        "</div></section>"
    )
