"""Billing's card wallet, called as the customer themself: list, add, make default, remove.

As for a single card (`billing_client`), pause forwards the customer's own portal token,
so billing checks the same signed claim; None means billing did not answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class WalletCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    default: bool


@dataclass(frozen=True)
class WalletAnswer:
    status: int
    message: str | None = None


class BillingWallet:
    def __init__(self, billing_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.billing_url = billing_url.rstrip("/")
        self._transport = transport

    async def _call(self, method: str, path: str, token: str, body: Any = None) -> httpx.Response | None:
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

    async def cards(self, customer_id: str, token: str) -> list[WalletCard] | None:
        answer = await self._call("GET", f"/v1/customers/{customer_id}/payment-methods", token)
        if answer is None or answer.status_code != 200:
            return None
        fields = WalletCard.__dataclass_fields__
        return [WalletCard(**{k: card[k] for k in fields}) for card in answer.json()["data"]]

    async def add(self, customer_id: str, token: str, payment_method: str, *, default: bool) -> WalletAnswer:
        body = {"payment_method": payment_method, "default": default}
        return self._answer(
            await self._call("POST", f"/v1/customers/{customer_id}/payment-methods", token, body)
        )

    async def make_default(self, customer_id: str, token: str, card_id: str) -> WalletAnswer:
        path = f"/v1/customers/{customer_id}/payment-methods/{card_id}/default"
        return self._answer(await self._call("POST", path, token))

    async def remove(self, customer_id: str, token: str, card_id: str) -> WalletAnswer:
        path = f"/v1/customers/{customer_id}/payment-methods/{card_id}"
        return self._answer(await self._call("DELETE", path, token))

    @staticmethod
    def _answer(answer: httpx.Response | None) -> WalletAnswer:
        if answer is None:
            return WalletAnswer(503)
        if answer.status_code >= 400 and answer.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return WalletAnswer(answer.status_code, str(answer.json().get("error", {}).get("message", "")))
        return WalletAnswer(answer.status_code)
