"""The portal's page frame: inline CSS, escaping and friendly formats.

Everything is inline so the portal loads nothing from anywhere else (no CDN, no font
service): it works offline, under a strict CSP, and leaks nothing to third parties.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.responses import HTMLResponse

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
"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def money(amount: Money) -> str:
    return esc(amount.format())


CUSTOMER_ZONE: ContextVar[str] = ContextVar("customer_zone", default="UTC")
"""The signed-in customer's IANA zone, set once per request by the portal's gate."""


def day(moment: datetime) -> str:
    """A date a person reads aloud, on their own calendar: `Tuesday 15 December 2026`.

    A resume at 00:30 UTC is still the evening before in New York; the customer should
    read the date their day will show.
    """
    try:
        local = moment.astimezone(ZoneInfo(CUSTOMER_ZONE.get()))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment
    return esc(f"{local:%A} {local.day} {local:%B %Y}")


def page(title: str, body: str, *, status: int = 200, notice: str = "", error: str = "") -> HTMLResponse:
    """`notice` and `error` are trusted fixed copy chosen by the route, never user input."""
    banner = (f'<p class="notice" role="status">{esc(notice)}</p>' if notice else "") + (
        f'<p class="error" role="alert">{esc(error)}</p>' if error else ""
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)} · Your subscription</title><style>{CSS}</style></head>"
        '<body><header><a href="/portal">Your subscription</a></header>'
        f'<main id="main"><h1 tabindex="-1">{esc(title)}</h1>{banner}{body}</main></body></html>'
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
