"""Dunning's API as the portal uses it: recovery links and the customer's payment date.

Dunning issued the link's token and knows its case; it asks billing for the portal
session. Pause opens links with the admin key, so a token on its own reaches no API,
and chooses a payment date with the customer's own session, so dunning checks the
same signed claim as for any portal call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import httpx

Standing = Literal["session", "settled", "expired", "unavailable"]


@dataclass(frozen=True)
class PaymentDateAnswer:
    """`payment_date` set when dunning took the day, else what to tell the customer."""

    payment_date: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class RecoveryAnswer:
    standing: Standing
    session_token: str | None = field(default=None, repr=False)


class DunningRecoveryClient:
    def __init__(
        self, dunning_url: str, admin_key: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.dunning_url, self._transport = dunning_url.rstrip("/"), transport
        self.headers = {"Authorization": f"Bearer {admin_key}"}

    async def open(self, token: str) -> RecoveryAnswer:
        try:
            async with httpx.AsyncClient(timeout=15, transport=self._transport) as client:
                answer = await client.post(
                    f"{self.dunning_url}/v1/dunning/recovery-sessions",
                    json={"token": token},
                    headers=self.headers,
                )
        except httpx.HTTPError:
            return RecoveryAnswer("unavailable")
        if answer.status_code == 201:
            return RecoveryAnswer("session", str(answer.json()["token"]))
        if answer.status_code == 409:
            return RecoveryAnswer("settled")
        if answer.status_code in (404, 422):
            return RecoveryAnswer("expired")
        return RecoveryAnswer("unavailable")

    async def choose_payment_date(self, case_id: str, session: str, day: str) -> PaymentDateAnswer:
        try:
            async with httpx.AsyncClient(timeout=15, transport=self._transport) as client:
                answer = await client.post(
                    f"{self.dunning_url}/v1/dunning/cases/{case_id}/payment-date",
                    json={"date": day},
                    headers={"Authorization": f"Bearer {session}"},
                )
        except httpx.HTTPError:
            return PaymentDateAnswer(
                problem="We could not reach our payment system. Please try again in a minute."
            )
        if answer.status_code == 200:
            return PaymentDateAnswer(payment_date=str(answer.json()["payment_date"]))
        if answer.status_code == 409 and answer.json().get("error", {}).get("type") == "case_closed":
            return PaymentDateAnswer(problem="All settled: there is no payment left to take.")
        if 400 <= answer.status_code < 500 and answer.status_code not in (401, 403, 404):
            return PaymentDateAnswer(problem=str(answer.json()["error"]["message"]))
        return PaymentDateAnswer(problem="Your session has expired. Please open a new link.")
