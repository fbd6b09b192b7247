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


async def add_card(customer_id: str, token: str, payment_method: str) -> str | None:
    """None when billing took the card, else copy to show the customer."""
    url = os.environ.get("BILLING_URL", "http://127.0.0.1:8001").rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            answer = await client.post(
                f"{url}/v1/customers/{customer_id}/payment-methods",
                json={"payment_method": payment_method},
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.HTTPError:
        return "We could not reach our payment system. Please try again in a minute."
    if answer.status_code in (200, 201):
        return None
    if answer.status_code == 422:
        return "That does not look like a card we can use. Please check it and try again."
    return FRIENDLY.get(answer.status_code, "Something went wrong while saving your card. Please try again.")
