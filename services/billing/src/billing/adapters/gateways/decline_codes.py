"""Our decline codes, and how a Stripe error payload becomes one.

We use Stripe's own decline code names, so a `payment.failed` event means the same thing
whichever gateway produced it, and dunning's policy (quiet for `expired_card`, payday
retries for `insufficient_funds`, no retry for `lost_card`) can be keyed on them.

Stripe reports a declined card in two fields. `code` says which kind of error it was:
`card_declined` for an issuer decline, or a more specific one such as `expired_card` or
`incorrect_cvc`. `decline_code` gives the issuer's reason (`insufficient_funds`,
`lost_card`, ...) when the issuer sent one. The reason is the more useful of the two, so
it wins. A specific `code` comes next, and the generic soft decline is the fallback.
localstripe never sends a `decline_code`, so its declines all map to `card_declined`.
"""

from __future__ import annotations

from collections.abc import Mapping

EXPIRED_CARD = "expired_card"
INSUFFICIENT_FUNDS = "insufficient_funds"
CARD_DECLINED = "card_declined"
DO_NOT_HONOR = "do_not_honor"
GENERIC_DECLINE = "generic_decline"
PROCESSING_ERROR = "processing_error"
TRY_AGAIN_LATER = "try_again_later"
LOST_CARD = "lost_card"
STOLEN_CARD = "stolen_card"
FRAUDULENT = "fraudulent"
PICKUP_CARD = "pickup_card"
INCORRECT_CVC = "incorrect_cvc"
CARD_VELOCITY_EXCEEDED = "card_velocity_exceeded"
AUTHENTICATION_REQUIRED = "authentication_required"

# Stripe error `code`s that name a reason the card itself was refused. Any other code
# (`card_declined`, `resource_missing`, ...) carries no reason of its own.
_CODES_THAT_ARE_DECLINES = frozenset(
    {
        EXPIRED_CARD,
        INCORRECT_CVC,
        PROCESSING_ERROR,
        AUTHENTICATION_REQUIRED,
        "incorrect_number",
        "incorrect_zip",
        "invalid_cvc",
        "invalid_expiry_month",
        "invalid_expiry_year",
        "invalid_number",
        "card_decline_rate_limit_exceeded",
    }
)


def decline_code_from_stripe_error(error: Mapping[str, object]) -> str:
    """Our decline code for Stripe's `error` object (the value of the body's `"error"` key).

    Works the same on a PaymentIntent's `last_payment_error`, which has the same shape.
    """
    decline_code = error.get("decline_code")
    if isinstance(decline_code, str) and decline_code.strip():
        return decline_code.strip().lower()
    code = error.get("code")
    if isinstance(code, str) and code in _CODES_THAT_ARE_DECLINES:
        return code
    return CARD_DECLINED
