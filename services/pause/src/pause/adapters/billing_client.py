"""Billing's card endpoints, called as the customer themself.

Billing owns payment methods. Pause forwards the customer's own portal token, so billing
checks the same signed claim as for any portal call; pause never holds the admin key for
this. Billing being down is an answer too (None), because the customer must be told
something kind rather than shown an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class BillingAnswer:
    status: int
    client_secret: str | None = None
    """Only on a card setup billing made (201): what Stripe.js confirms the card with."""


@dataclass(frozen=True)
class BillingReading:
    status: int
    body: Any = None
    """The JSON billing answered with a 200."""


class BillingClient:
    def __init__(self, billing_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.billing_url = billing_url.rstrip("/")
        self._transport = transport

    async def request(self, method: str, path: str, token: str, body: Any = None) -> httpx.Response | None:
        """One call to billing as the token's holder; None when billing did not answer."""
        try:
            async with httpx.AsyncClient(timeout=15, transport=self._transport) as client:
                return await client.request(
                    method,
                    f"{self.billing_url}{path}",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                )
        except httpx.HTTPError:
            return None

    async def read(self, path: str, token: str) -> BillingReading | None:
        """A GET as the customer (their invoices, one receipt); None when billing did not answer."""
        answer = await self.request("GET", path, token)
        if answer is None:
            return None
        return BillingReading(answer.status_code, answer.json() if answer.status_code == 200 else None)

    async def change_locale(self, customer_id: str, token: str, locale: str) -> int | None:
        """`PATCH /v1/customers/{id}` as the customer: their language, for messages and pages."""
        answer = await self.request("PATCH", f"/v1/customers/{customer_id}", token, {"locale": locale})
        return None if answer is None else answer.status_code

    async def add_payment_method(
        self, customer_id: str, token: str, payment_method: str
    ) -> BillingAnswer | None:
        """Billing makes the card the customer's default; None when billing did not answer."""
        answer = await self.request(
            "POST", f"/v1/customers/{customer_id}/payment-methods", token, {"payment_method": payment_method}
        )
        return None if answer is None else BillingAnswer(answer.status_code)

    async def start_card_setup(self, customer_id: str, token: str) -> BillingAnswer | None:
        answer = await self.request("POST", f"/v1/customers/{customer_id}/card-setups", token)
        if answer is None:
            return None
        secret = str(answer.json()["client_secret"]) if answer.status_code == 201 else None
        return BillingAnswer(answer.status_code, secret)
