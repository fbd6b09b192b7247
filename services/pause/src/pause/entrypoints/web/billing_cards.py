"""What the portal tells a customer about their new card, from billing's answer.

The copy lives here, beside the portal's pages; the call itself is `BillingClient`'s.
"""

from __future__ import annotations

from pause.adapters.billing_client import BillingClient
from pause.entrypoints.web.page import N_

FRIENDLY = {
    402: N_("Your bank declined that card. Please try another one."),
    401: N_("Your session has expired. Please open a new portal link."),
    403: N_("Your session has expired. Please open a new portal link."),
}


UNREACHABLE = N_("We could not reach our payment system. Please try again in a minute.")


class BillingCards:
    def __init__(self, billing: BillingClient) -> None:
        self.billing = billing

    async def add_card(self, customer_id: str, token: str, payment_method: str) -> str | None:
        """None when billing took the card, else copy to show the customer."""
        answer = await self.billing.add_payment_method(customer_id, token, payment_method)
        if answer is None:
            return UNREACHABLE
        if answer.status in (200, 201):
            return None
        if answer.status == 422:
            return N_("That does not look like a card we can use. Please check it and try again.")
        return FRIENDLY.get(
            answer.status, N_("Something went wrong while saving your card. Please try again.")
        )

    async def start_card_setup(self, customer_id: str, token: str) -> tuple[str | None, str | None]:
        """(client secret, None) for Stripe.js, or (None, copy to show the customer)."""
        answer = await self.billing.start_card_setup(customer_id, token)
        if answer is None:
            return None, UNREACHABLE
        if answer.client_secret is not None:
            return answer.client_secret, None
        problem = FRIENDLY.get(
            answer.status, N_("We cannot take a new card right now. Please try again later.")
        )
        return None, problem
