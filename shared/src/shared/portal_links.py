"""One-click links in messages: a portal session for the customer, asked of billing.

Only billing can mint portal sessions (it alone holds the signing key), so dunning (for
its card-update links) and pause (for "open your account") ask billing's API for one per
message. If billing does not answer, the message still goes out, with the fallback
address (dunning: the plain portal; pause: none, so no button) rather than not at all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import httpx

log = logging.getLogger(__name__)


class CardUpdateLinks(Protocol):
    async def link_for(self, customer_id: str, *, tries: int = 3) -> str: ...


class BillingPortalLinks:
    def __init__(self, billing_url: str, admin_key: str, fallback_url: str) -> None:
        self.billing_url, self.fallback_url = billing_url.rstrip("/"), fallback_url
        self.headers = {"Authorization": f"Bearer {admin_key}"}
        # Built once: loading the trust store costs ~20 ms of CPU, per link if left to
        # each client, and a day's reminders ask for hundreds of links.
        self._tls = httpx.create_ssl_context()

    async def link_for(self, customer_id: str, *, tries: int = 3) -> str:
        """A few tries, a moment apart, before settling for the fallback link."""
        error: Exception | None = None
        for attempt in range(tries):
            try:
                async with httpx.AsyncClient(timeout=10, verify=self._tls) as client:
                    answer = await client.post(
                        f"{self.billing_url}/v1/portal-sessions",
                        json={"customer_id": customer_id},
                        headers=self.headers,
                    )
                answer.raise_for_status()
                return str(answer.json()["url"])
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                error = exc
                if attempt + 1 < tries:  # no wait after the last try: callers may hold a transaction
                    await asyncio.sleep(0.5 * (attempt + 1))
        log.warning(
            "no portal session from billing; using the plain portal link", extra={"error": str(error)}
        )
        return self.fallback_url
