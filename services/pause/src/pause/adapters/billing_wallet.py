"""Billing's card wallet, called as the customer themself: list, add, make default, remove.

As for a single card (`billing_client`), pause forwards the customer's own portal token,
so billing checks the same signed claim; None means billing did not answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from pause.adapters.billing_client import BillingClient


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
        self._billing = BillingClient(billing_url, transport=transport)

    async def cards(self, customer_id: str, token: str) -> list[WalletCard] | None:
        answer = await self._billing.request("GET", f"/v1/customers/{customer_id}/payment-methods", token)
        if answer is None or answer.status_code != 200:
            return None
        fields = WalletCard.__dataclass_fields__
        return [WalletCard(**{k: card[k] for k in fields}) for card in answer.json()["data"]]

    async def add(self, customer_id: str, token: str, payment_method: str, *, default: bool) -> WalletAnswer:
        body = {"payment_method": payment_method, "default": default}
        return self._answer(
            await self._billing.request("POST", f"/v1/customers/{customer_id}/payment-methods", token, body)
        )

    async def make_default(self, customer_id: str, token: str, card_id: str) -> WalletAnswer:
        path = f"/v1/customers/{customer_id}/payment-methods/{card_id}/default"
        return self._answer(await self._billing.request("POST", path, token))

    async def remove(self, customer_id: str, token: str, card_id: str) -> WalletAnswer:
        path = f"/v1/customers/{customer_id}/payment-methods/{card_id}"
        return self._answer(await self._billing.request("DELETE", path, token))

    @staticmethod
    def _answer(answer: httpx.Response | None) -> WalletAnswer:
        if answer is None:
            return WalletAnswer(503)
        if answer.status_code >= 400 and answer.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return WalletAnswer(answer.status_code, str(answer.json().get("error", {}).get("message", "")))
        return WalletAnswer(answer.status_code)
