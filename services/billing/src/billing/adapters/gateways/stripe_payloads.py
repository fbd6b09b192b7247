"""Stripe's objects, as plain dicts, read into the port's types.

SDK 16 objects are not dicts, so the adapter calls `.to_dict()` and everything here works
on plain JSON: the same code reads API responses, error bodies and webhook events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from billing.adapters.gateways import decline_codes as codes
from billing.adapters.gateways.port import CardDetails, ChargeResult, PaymentMethodRejected

if TYPE_CHECKING:  # the SDK (about 20 MB resident) loads only with the Stripe gateway
    import stripe

IDEMPOTENCY_KEY_METADATA = "idempotency_key"


def card_details(payment_method: Mapping[str, Any]) -> CardDetails:
    """Brand, last four and expiry of a card PaymentMethod; never the number (Stripe has it)."""
    card = payment_method.get("card")
    if not isinstance(card, Mapping):
        raise PaymentMethodRejected(f"payment method {payment_method.get('id')} is not a card")
    return CardDetails(
        gateway_payment_method=str(payment_method["id"]),
        brand=str(card["brand"]),
        last4=str(card["last4"]),
        exp_month=int(card["exp_month"]),
        exp_year=int(card["exp_year"]),
    )


def error_of(exc: stripe.StripeError) -> dict[str, Any]:
    """The `error` object of a failed request's body, as Stripe sent it."""
    body = exc.json_body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return dict(body["error"])
    return {"message": exc.user_message, "code": exc.code}


def message_of(error: Mapping[str, Any]) -> str | None:
    message = error.get("message")
    return message if isinstance(message, str) else None


def intent_id_in(error: Mapping[str, Any]) -> str | None:
    """Stripe puts the PaymentIntent in a decline's error body; localstripe does not."""
    intent = error.get("payment_intent")
    if isinstance(intent, Mapping):
        intent = intent.get("id")
    return intent if isinstance(intent, str) else None


def result_from_intent(intent: Mapping[str, Any]) -> ChargeResult | None:
    """The outcome of an off-session PaymentIntent, or None while it has none yet.

    `processing` (and `requires_capture`, which automatic capture never leaves it in)
    has no final outcome: it is neither paid nor declined.
    """
    reference, status = str(intent["id"]), intent.get("status")
    if status == "succeeded":
        return ChargeResult(True, reference, None, None)
    if status == "requires_payment_method":
        error = intent.get("last_payment_error") or {}
        return ChargeResult(False, reference, codes.decline_code_from_stripe_error(error), message_of(error))
    if status == "requires_action":
        # Off session, nobody is there to complete 3-D Secure: Stripe's own
        # `authentication_required` decline, which asks the customer to come back.
        return ChargeResult(
            False, reference, codes.AUTHENTICATION_REQUIRED, "The card needs the customer to authenticate."
        )
    if status == "canceled":
        return ChargeResult(False, reference, codes.CARD_DECLINED, "The payment was canceled.")
    return None
