"""The dashboard's page frame: inline CSS and escaping, nothing loaded from elsewhere."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from shared.money import Money

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;
 background:#f5f7fa}
header{background:#243b53;color:#fff;padding:.8rem 1rem;display:flex;justify-content:space-between;
 align-items:center;gap:1rem;flex-wrap:wrap}
header a,header button{color:#fff}
header form{margin:0}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .6rem}
section{background:#fff;border:1px solid #d9e2ec;border-radius:10px;padding:1rem;margin:0 0 1rem;
 overflow-x:auto}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem;margin:0 0 1rem}
.kpi{background:#fff;border:1px solid #d9e2ec;border-radius:10px;padding:.8rem}
.kpi dt{color:#52606d;font-size:.9rem}
.kpi dd{margin:.2rem 0 0;font-size:1.35rem;font-weight:700}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e4e7eb;white-space:nowrap}
th{color:#52606d;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
a{color:#0b4f6c}
label{font-weight:600;margin-right:.3rem}
input{font:inherit;padding:.4rem;border:1px solid #7b8794;border-radius:6px}
button,.button{font:inherit;font-weight:600;padding:.45rem .9rem;border-radius:6px;border:2px solid #243b53;
 background:#243b53;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
.button.secondary,button.secondary{background:#fff;color:#243b53}
header button{background:transparent;border-color:#fff}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #f0b429;outline-offset:2px}
.filters{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
.muted{color:#52606d}
.error{background:#ffe3e3;border-left:4px solid #a61b1b;padding:.6rem 1rem;border-radius:6px}
.bar{display:inline-block;height:.8rem;border-radius:3px;vertical-align:middle}
.legend span{margin-right:1rem}
"""

SIGN_OUT = (
    '<form method="post" action="/dashboard/logout">'
    '<button type="submit" class="secondary">Sign out</button></form>'
)


def esc(value: object) -> str:
    return escape(str(value), quote=True)


NOTHING_YET = Money.zero("USD")
"""What an empty total reads: "0.00 USD" says it is money, where a bare "0" reads like a count."""


def amounts(values: list[Money]) -> str:
    return esc(", ".join(m.format() for m in values) or NOTHING_YET.format())


def page(title: str, body: str, *, status: int = 200, signed_in: bool = True) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)} · Finance</title><style>{CSS}</style></head><body>"
        '<header><a href="/dashboard"><strong>Dunning &amp; pauses</strong></a>'
        f"{SIGN_OUT if signed_in else ''}"
        f"</header><main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def login(error: str = "") -> HTMLResponse:
    problem = f'<p class="error" role="alert">{esc(error)}</p>' if error else ""
    body = (
        f'<section style="max-width:28rem">{problem}<form method="post" action="/dashboard/login">'
        '<p><label for="key">Finance API key</label></p>'
        '<p><input type="password" id="key" name="key" required autocomplete="current-password" '
        'style="width:100%"></p><button type="submit">Sign in</button></form></section>'
    )
    return page("Sign in", body, status=401 if error else 200, signed_in=False)
