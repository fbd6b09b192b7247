"""Security headers for the pages people read: the portal and finance's dashboard.

Those pages show a customer's subscription or a company's recovered revenue, so:
- the Content-Security-Policy runs no script but the ones named here (an inline one
  only by its hash) and loads nothing from elsewhere, so an injected tag does nothing;
- `frame-ancestors 'none'` and `X-Frame-Options: DENY` keep another site from framing a
  page to trick a click on "Cancel" or "Sign out";
- `Referrer-Policy: no-referrer` keeps page addresses out of other sites' logs;
- `Cache-Control: no-store` keeps personal figures out of shared and browser caches,
  unless the page chose its own.

Styles stay `'unsafe-inline'`: the pages keep their CSS inline so they load nothing
else, and bars are sized by `style` attributes. A style cannot run script.

Plain ASGI, like `RequestMetrics`, so it adds no task per request; the API's JSON
routes outside the prefixes are left as they are.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def script_hash(script: str) -> str:
    """The CSP source that lets exactly this inline script run."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"


@dataclass(frozen=True)
class PagePolicy:
    """What a service's pages may run, frame and connect to beyond themselves."""

    scripts: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()
    connections: tuple[str, ...] = ()

    def content_security_policy(self) -> str:
        directives = {
            "default-src": "'none'",
            "script-src": " ".join(self.scripts) or "'none'",
            "style-src": "'unsafe-inline'",
            "img-src": "'self' data:",
            "connect-src": " ".join(("'self'", *self.connections)),
            "frame-src": " ".join(self.frames) or "'none'",
            "form-action": "'self'",
            "base-uri": "'none'",
            "frame-ancestors": "'none'",
        }
        return "; ".join(f"{name} {sources}" for name, sources in directives.items())

    def headers(self) -> dict[str, str]:
        return {
            "Content-Security-Policy": self.content_security_policy(),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }


class PageHeaders:
    def __init__(self, app: ASGIApp, prefixes: Sequence[str], policy: PagePolicy) -> None:
        self.app, self.prefixes, self.headers = app, tuple(prefixes), policy.headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)


def install_page_headers(app: FastAPI, prefixes: Sequence[str], policy: PagePolicy) -> None:
    app.add_middleware(PageHeaders, prefixes=prefixes, policy=policy)
