"""Stripe webhook signatures, and the card updater's event read into a new card."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from aiohttp import web

from billing.adapters.gateways.stripe import StripeGateway
from billing.adapters.gateways.webhooks import (
    InvalidWebhookSignature,
    card_update_from_event,
    verify_stripe_webhook,
)
from shared.testing.brokers import free_port

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")
SECRET = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
SENT_AT = 1_764_000_000
BODY = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid", "data": {"object": {}}}).encode()


def stripe_signature(payload: bytes, secret: str = SECRET, at: int = SENT_AT) -> str:
    """The header Stripe sends: HMAC-SHA256 of "<t>.<body>" under the endpoint secret."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def test_a_correctly_signed_event_is_accepted_and_returned() -> None:
    event = verify_stripe_webhook(BODY, stripe_signature(BODY), SECRET, now=SENT_AT + 10)

    assert (event["id"], event["type"]) == ("evt_1", "invoice.paid")


def test_the_signature_made_here_is_the_one_the_stripe_sdk_accepts() -> None:
    now = int(time.time())
    header = stripe_signature(BODY, at=now)

    assert stripe.WebhookSignature.verify_header(BODY.decode(), header, SECRET, 300)
    assert verify_stripe_webhook(BODY, header, SECRET)["id"] == "evt_1"


def test_one_matching_signature_among_several_is_enough_while_a_secret_is_rolled() -> None:
    old = stripe_signature(BODY, secret="whsec_old").split(",v1=")[1]
    header = f"{stripe_signature(BODY)},v1={old}"

    assert verify_stripe_webhook(BODY, header, SECRET, now=SENT_AT)["id"] == "evt_1"


@pytest.mark.parametrize(
    ("body", "header", "secret", "now", "reason"),
    [
        (
            BODY.replace(b"invoice.paid", b"invoice.void"),
            stripe_signature(BODY),
            SECRET,
            SENT_AT,
            "no signature",
        ),
        (BODY, stripe_signature(BODY), "whsec_someone_else", SENT_AT, "no signature"),
        (BODY, None, SECRET, SENT_AT, "no Stripe-Signature"),
        (BODY, "", SECRET, SENT_AT, "no Stripe-Signature"),
        (BODY, stripe_signature(BODY), SECRET, SENT_AT + 301, "older than 300 seconds"),
        (BODY, f"t={SENT_AT}", SECRET, SENT_AT, "no v1"),
        (BODY, stripe_signature(BODY).split(",")[1], SECRET, SENT_AT, "no timestamp"),
        (BODY, stripe_signature(BODY).replace(f"t={SENT_AT}", "t=soon"), SECRET, SENT_AT, "malformed"),
    ],
    ids=["tampered body", "wrong secret", "no header", "empty header", "too old", "no v1", "no t", "bad t"],
)
def test_an_unverifiable_request_is_rejected_with_a_reason(
    body: bytes, header: str | None, secret: str, now: int, reason: str
) -> None:
    with pytest.raises(InvalidWebhookSignature, match=reason):
        verify_stripe_webhook(body, header, secret, now=now)


def test_a_signature_just_inside_the_tolerance_is_accepted() -> None:
    assert verify_stripe_webhook(BODY, stripe_signature(BODY), SECRET, now=SENT_AT + 299)["id"] == "evt_1"


def test_a_signed_body_that_is_not_a_json_object_is_rejected() -> None:
    with pytest.raises(InvalidWebhookSignature, match="JSON"):
        verify_stripe_webhook(b"[1, 2]", stripe_signature(b"[1, 2]"), SECRET, now=SENT_AT)


def updater_event() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (Path(__file__).parent / "payloads" / "payment_method_automatically_updated.json").read_text()
    )
    return loaded


def test_the_card_updaters_event_gives_the_customer_and_the_new_card_details() -> None:
    notice = card_update_from_event(updater_event())

    assert notice is not None
    assert (notice.gateway_payment_method, notice.gateway_customer) == (
        "pm_1QbE2l2eZvKYlo2CkF4vT0aJ",
        "cus_RTq2MuZkKJ8kFn",
    )
    assert (notice.card.brand, notice.card.last4, notice.card.exp_month, notice.card.exp_year) == (
        "visa",
        "1881",
        3,
        2030,
    )
    assert notice.card.gateway_payment_method == notice.gateway_payment_method


def test_other_events_and_cards_of_no_customer_are_no_card_update() -> None:
    detached = updater_event()
    detached["data"]["object"]["customer"] = None
    other = {**updater_event(), "type": "payment_method.updated"}

    assert card_update_from_event(detached) is None
    assert card_update_from_event(other) is None


async def test_a_webhook_sent_and_signed_by_localstripe_is_accepted(
    localstripe_url: str, stripe_gateway: StripeGateway
) -> None:
    deliveries: asyncio.Queue[tuple[bytes, str | None]] = asyncio.Queue()

    async def receive(request: web.Request) -> web.Response:
        deliveries.put_nowait((await request.read(), request.headers.get("Stripe-Signature")))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks/stripe", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with httpx.AsyncClient() as client:
            registered = await client.post(
                f"{localstripe_url}/_config/webhooks/gateway-tests",
                json={
                    "url": f"http://127.0.0.1:{port}/hooks/stripe",
                    "secret": SECRET,
                    "events": ["customer.created"],
                },
            )
        registered.raise_for_status()
        customer = await stripe_gateway.register_customer("cus-hook", "hook@example.com", "Ada")
        event: dict[str, Any] = {}
        while event.get("data", {}).get("object", {}).get("id") != customer:
            body, header = await asyncio.wait_for(deliveries.get(), timeout=10)
            event = verify_stripe_webhook(body, header, SECRET)
    finally:
        await runner.cleanup()

    assert event["type"] == "customer.created"
