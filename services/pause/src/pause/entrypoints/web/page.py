"""The portal's page frame: inline CSS, escaping, the customer's language and formats.

Everything is inline so the portal loads nothing from anywhere else (no CDN, no font
service, the favicon a data URL): it works offline, under a strict CSP, and leaks
nothing to third parties. Words come from the gettext catalogues in the signed-in
customer's language; amounts and dates are written the way that language writes them.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.responses import HTMLResponse

from shared.i18n import formatting
from shared.i18n.catalogues import translations
from shared.i18n.locales import catalogue_language
from shared.mail.writer import DEFAULT_BRAND
from shared.money import Money

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;
 background:#f5f7fa}
header{background:#0b4f6c;color:#fff;padding:.9rem 1rem}
header a{color:#fff}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:12px;padding:1rem;margin:0 0 1rem}
.muted{color:#52606d}
.row{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{color:#52606d}
dd{margin:0;font-weight:600}
.button,button{display:inline-block;font:inherit;font-weight:600;padding:.65rem 1rem;border-radius:8px;
 border:2px solid #0b4f6c;background:#0b4f6c;color:#fff;text-decoration:none;cursor:pointer;min-height:44px}
.button.secondary,button.secondary{background:#fff;color:#0b4f6c}
button.danger{background:#fff;color:#a61b1b;border-color:#a61b1b}
a{color:#0b4f6c}
a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible,
label:focus-within{outline:3px solid #f0b429;outline-offset:2px}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem;align-items:center}
.actions form{margin:0}
label,.label{display:block;font-weight:600;margin:.5rem 0 .25rem}
.card-element{border:1px solid #7b8794;border-radius:8px;padding:.7rem;background:#fff;min-height:44px}
.card-element input{font:inherit;border:1px solid #cbd2d9;border-radius:6px;padding:.3rem;margin:.15rem;
 max-width:100%}
input[type=text],textarea,select{width:100%;font:inherit;padding:.6rem;border:1px solid #7b8794;
 border-radius:8px}
fieldset{border:0;padding:0;margin:0}
.choice{display:flex;gap:.75rem;align-items:flex-start;border:1px solid #d9e2ec;border-radius:10px;
 padding:.75rem;margin:.5rem 0;font-weight:400;cursor:pointer}
.choice input{margin-top:.35rem;width:1.2rem;height:1.2rem}
.notice{background:#e3f8ff;border-left:4px solid #0b4f6c;padding:.75rem 1rem;border-radius:8px;
 margin:0 0 1rem}
.error{background:#ffe3e3;border-left:4px solid #a61b1b;padding:.75rem 1rem;border-radius:8px;margin:0 0 1rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;background:#e3f8ff;
 color:#0b4f6c;font-weight:600;
 font-size:.85rem}
.warning{background:#fffbea;border-left:4px solid #b44d12;padding:.75rem 1rem;border-radius:8px;
 margin:0 0 1rem}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.4rem .3rem;border-bottom:1px solid #d9e2ec;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.receipt address{font-style:normal}
@media print{header,.actions,.no-print{display:none!important}
 body{background:#fff;color:#000;font-size:11pt}main{max-width:none;padding:0}
 .card{border:0;padding:0}a{color:#000;text-decoration:none}}
"""

FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
    "%3Crect width='32' height='32' rx='7' fill='%230b4f6c'/%3E"
    "%3Ccircle cx='23' cy='10' r='5' fill='%23f0b429'/%3E"
    "%3Cpath d='M3 24c5-4 9-4 13 0s8 4 13 0v8H3z' fill='%23e3f8ff'/%3E%3C/svg%3E"
)
"""A sun over the beach, inline: the browser asks for no /favicon.ico."""

CUSTOMER_LOCALE: ContextVar[str] = ContextVar("customer_locale", default="en")
"""The signed-in customer's BCP 47 tag, set once per request by the portal's gate."""
BRAND: ContextVar[str] = ContextVar("brand", default=DEFAULT_BRAND)
"""`BRAND_NAME`, set by the portal's gate for the pages it serves."""


def N_(text: str) -> str:
    """Marks copy kept in a constant for the catalogue; it is translated where shown."""
    return text


def gettext(text: str) -> str:
    """The words in the customer's language (English without a translation)."""
    return translations(CUSTOMER_LOCALE.get()).gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(CUSTOMER_LOCALE.get()).ngettext(singular, plural, n)


def t(text: str, **html: str) -> str:
    """Translated copy as HTML: the words escaped, then filled with values that are
    already HTML (escaped amounts and dates, or markup the page chose)."""
    words = esc(gettext(text))
    return words % html if html else words


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def money(amount: Money) -> str:
    """`15,00 €` for a French customer, `$0.00` for nothing due: zero keeps its currency."""
    return esc(formatting.money(amount, CUSTOMER_LOCALE.get()))


CUSTOMER_ZONE: ContextVar[str] = ContextVar("customer_zone", default="UTC")
"""The signed-in customer's IANA zone, set once per request by the portal's gate."""


def local_date(moment: datetime) -> date:
    """The day `moment` falls on in the customer's own timezone.

    A resume at 00:30 UTC is still the evening before in New York; the customer should
    read the date their day will show.
    """
    try:
        return moment.astimezone(ZoneInfo(CUSTOMER_ZONE.get())).date()
    except (ZoneInfoNotFoundError, ValueError):
        return moment.date()


def day(moment: datetime) -> str:
    """A date a person reads aloud, in their language: `Tuesday, December 15, 2026`,
    `mardi 15 décembre 2026`."""
    return esc(formatting.day(local_date(moment), CUSTOMER_LOCALE.get(), "full"))


def short_day(moment: datetime) -> str:
    """For tables: `Dec 15, 2026`, `15 déc. 2026`."""
    return esc(formatting.day(local_date(moment), CUSTOMER_LOCALE.get(), "medium"))


def page(title: str, body: str, *, status: int = 200, notice: str = "", error: str = "") -> HTMLResponse:
    """`title`, `notice` and `error` are English copy chosen by the route, never user
    input; they are translated here. The one title is the tab's and the page's heading."""
    heading = gettext(title)
    banner = (f'<p class="notice" role="status">{t(notice)}</p>' if notice else "") + (
        f'<p class="error" role="alert">{t(error)}</p>' if error else ""
    )
    brand = esc(gettext(BRAND.get()))  # the default brand reads in the customer's language
    html = (
        f'<!doctype html><html lang="{esc(catalogue_language(CUSTOMER_LOCALE.get()))}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{esc(heading)} · {brand}</title><link rel="icon" href="{FAVICON}">'
        f"<style>{CSS}</style></head>"
        f'<body><header><a href="/portal">{brand}</a></header>'
        f'<main id="main"><h1 tabindex="-1">{esc(heading)}</h1>{banner}{body}</main></body></html>'
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
