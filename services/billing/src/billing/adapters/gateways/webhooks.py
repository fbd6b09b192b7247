"""Stripe webhooks: is this really from Stripe, and does it carry a new card?

Anyone can POST to our webhook URL, so nothing in a body is trusted until its signature
checks out. Stripe signs `"<t>.<raw body>"` with HMAC-SHA256 under the endpoint's secret
and sends `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=...]`. Several `v1` values
appear while a secret is being rolled. We check it ourselves rather than through
`stripe.Webhook.construct_event` so that tests can pass `now`. The rules are the SDK's:
any matching `v1` passes, and a timestamp older than the tolerance fails, which stops a
captured request from being replayed later. The timestamp is compared with wall-clock
time, never with the test clock, because Stripe signs in real time.

`payment_method.automatically_updated` is the card network's account updater reaching
us through Stripe. A customer's expired card has been replaced, and dunning should
retry with the new card at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from billing.adapters.gateways.port import CardDetails
from billing.adapters.gateways.stripe_payloads import card_details

CARD_AUTOMATICALLY_UPDATED = "payment_method.automatically_updated"


class InvalidWebhookSignature(Exception):
    """The request is not a fresh, signed message from Stripe; the message says why."""


@dataclass(frozen=True)
class CardUpdateNotice:
    gateway_payment_method: str
    gateway_customer: str
    card: CardDetails


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise InvalidWebhookSignature("Stripe-Signature has a malformed timestamp") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None:
        raise InvalidWebhookSignature("Stripe-Signature has no timestamp")
    if not signatures:
        raise InvalidWebhookSignature("Stripe-Signature has no v1 signature")
    return timestamp, signatures


def verify_stripe_webhook(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    *,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> dict[str, Any]:
    """The event in `payload` once its signature is verified; InvalidWebhookSignature if not."""
    if not signature_header:
        raise InvalidWebhookSignature("no Stripe-Signature header")
    timestamp, signatures = _parse_header(signature_header)
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise InvalidWebhookSignature("no signature matches the payload with this secret")
    current = time.time() if now is None else now
    if tolerance_seconds and timestamp < current - tolerance_seconds:
        raise InvalidWebhookSignature(f"the signature is older than {tolerance_seconds} seconds")
    try:
        event = json.loads(payload)
    except ValueError:
        raise InvalidWebhookSignature("the signed payload is not JSON") from None
    if not isinstance(event, dict):
        raise InvalidWebhookSignature("the signed payload is not a JSON object")
    return event


def card_update_from_event(event: dict[str, Any]) -> CardUpdateNotice | None:
    """The replacement card in a card-updater event; None for any other event.

    Stripe updates the card in place: the PaymentMethod keeps its id and gets a new
    expiry, and sometimes new last four digits. A card attached to no customer
    concerns no subscription, so it gives None as well.
    """
    if event.get("type") != CARD_AUTOMATICALLY_UPDATED:
        return None
    method = event["data"]["object"]
    customer = method.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if not isinstance(customer, str):
        return None
    card = card_details(method)
    return CardUpdateNotice(card.gateway_payment_method, customer, card)
