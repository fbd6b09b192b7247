"""Which decline codes mean what: dunning's schedule follows the class, and billing
counts its payments by it.

The gateway's `decline_code` decides the whole schedule: an expired card usually fixes
itself (the account updater delivers the new card), a short balance fixes itself around
payday, a lost or stolen card never does, and retrying it only annoys the card network.
Codes follow Stripe's list; anything we do not know is treated as a soft decline,
because a few spaced retries are the cheapest safe guess.
"""

from __future__ import annotations

from shared.contracts.dunning import DeclineClass

HARD_DECLINE_CODES: frozenset[str] = frozenset(
    {
        "lost_card",
        "stolen_card",
        "fraudulent",
        "pickup_card",
        "restricted_card",
        "revocation_of_authorization",
        "revocation_of_all_authorizations",
        "security_violation",
        "stop_payment_order",
    }
)
"""The issuer will never approve these; card networks fine merchants who keep retrying."""

EXPIRED_CARD_CODES: frozenset[str] = frozenset({"expired_card"})

INSUFFICIENT_FUNDS_CODES: frozenset[str] = frozenset(
    {
        "insufficient_funds",
        "card_velocity_exceeded",
        "withdrawal_count_limit_exceeded",
    }
)
"""Balance or spending-limit declines.

Stripe documents `card_velocity_exceeded` and `withdrawal_count_limit_exceeded` as the
customer exceeding the balance or credit limit available on the card. Limits reset and
balances refill around payday, so they get the payday retries rather than spaced ones.
"""


def classify(decline_code: str | None) -> DeclineClass:
    """The dunning class of a gateway decline code (case and surrounding space ignored).

    A missing code is a soft decline: billing falls back to `card_declined` too.
    """
    code = (decline_code or "").strip().lower()
    if code in HARD_DECLINE_CODES:
        return DeclineClass.HARD_DECLINE
    if code in EXPIRED_CARD_CODES:
        return DeclineClass.EXPIRED_CARD
    if code in INSUFFICIENT_FUNDS_CODES:
        return DeclineClass.INSUFFICIENT_FUNDS
    return DeclineClass.SOFT_DECLINE
