"""Sends a new card to billing, which owns payment methods, as the customer themself.

Pause forwards the customer's own portal token, so billing checks the same signed claim
as for any portal call; pause never holds the admin key for this. `BILLING_URL` (default
http://127.0.0.1:8001) says where billing answers; PauseSettings has no field for it.
"""

from __future__ import annotations

import os

import httpx

FRIENDLY = {
    402: "Your bank declined that card. Please try another one.",
    401: "Your session has expired. Please open a new portal link.",
    403: "Your session has expired. Please open a new portal link.",
}


UNREACHABLE = "We could not reach our payment system. Please try again in a minute."


async def _post(path: str, token: str, body: dict[str, str] | None = None) -> httpx.Response | None:
    url = os.environ.get("BILLING_URL", "http://127.0.0.1:8001").rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            return await client.post(f"{url}{path}", json=body, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError:
        return None


async def add_card(customer_id: str, token: str, payment_method: str) -> str | None:
    """None when billing took the card, else copy to show the customer."""
    answer = await _post(
        f"/v1/customers/{customer_id}/payment-methods", token, {"payment_method": payment_method}
    )
    if answer is None:
        return UNREACHABLE
    if answer.status_code in (200, 201):
        return None
    if answer.status_code == 422:
        return "That does not look like a card we can use. Please check it and try again."
    return FRIENDLY.get(answer.status_code, "Something went wrong while saving your card. Please try again.")


async def start_card_setup(customer_id: str, token: str) -> tuple[str | None, str | None]:
    """(client secret, None) for Stripe.js, or (None, copy to show the customer)."""
    answer = await _post(f"/v1/customers/{customer_id}/card-setups", token)
    if answer is None:
        return None, UNREACHABLE
    if answer.status_code == 201:
        return str(answer.json()["client_secret"]), None
    problem = FRIENDLY.get(answer.status_code, "We cannot take a new card right now. Please try again later.")
    return None, problem
