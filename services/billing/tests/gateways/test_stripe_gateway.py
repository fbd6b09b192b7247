"""The Stripe adapter against a real localstripe: what it sends and what Stripe keeps."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from billing.adapters.gateways.port import ChargeRequest, PaymentMethodRejected
from billing.adapters.gateways.stripe import StripeGateway
from shared.money import Money
from shared.testing.localstripe import LOCALSTRIPE_KEY

# stripe's HTTPXClient posts its form body as `data=`, which httpx deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")
Records = Callable[[str], Awaitable[list[dict[str, Any]]]]


async def registered(gateway: StripeGateway) -> str:
    customer_id = f"cus-{uuid.uuid4().hex[:12]}"
    return await gateway.register_customer(customer_id, f"{customer_id}@example.com", "Ada Lovelace")


def request_for(customer: str, method: str, key: str) -> ChargeRequest:
    return ChargeRequest(
        idempotency_key=key,
        gateway_customer=customer,
        gateway_payment_method=method,
        amount=Money(amount=1500, currency="EUR"),
        description="Invoice 2026-000042",
        metadata={"attempt_id": key, "invoice_id": "inv-42", "subscription_id": "sub-7"},
    )


async def test_a_charge_is_an_off_session_payment_intent_with_the_key_in_its_metadata(
    stripe_gateway: StripeGateway, localstripe_intents: Records
) -> None:
    customer = await registered(stripe_gateway)
    card = await stripe_gateway.attach_payment_method(customer, "pm_card_visa")

    result = await stripe_gateway.charge(request_for(customer, card.gateway_payment_method, "att-1"))

    [intent] = await localstripe_intents(customer)
    assert result.gateway_reference == intent["id"]
    assert intent["status"] == "succeeded"
    assert (intent["amount"], intent["currency"]) == (1500, "eur")
    assert intent["payment_method"] == card.gateway_payment_method
    assert intent["metadata"] == {
        "attempt_id": "att-1",
        "invoice_id": "inv-42",
        "subscription_id": "sub-7",
        "description": "Invoice 2026-000042",
        "idempotency_key": "att-1",
    }


async def test_an_attached_card_becomes_the_customers_default_and_a_stripe_payment_method(
    stripe_gateway: StripeGateway, localstripe_url: str
) -> None:
    customer = await registered(stripe_gateway)

    card = await stripe_gateway.attach_payment_method(customer, "pm_card_visa")

    async with httpx.AsyncClient(base_url=localstripe_url, auth=("sk_test_x", "")) as client:
        stored = (await client.get(f"/v1/customers/{customer}")).json()
    assert card.gateway_payment_method != "pm_card_visa"  # Stripe makes a new method from a test id
    assert stored["invoice_settings"]["default_payment_method"] == card.gateway_payment_method
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)


async def test_a_decline_carries_the_payment_intent_although_localstripe_leaves_it_out_of_the_error(
    stripe_gateway: StripeGateway, localstripe_intents: Records
) -> None:
    customer = await registered(stripe_gateway)
    card = await stripe_gateway.attach_payment_method(customer, "pm_card_chargeCustomerFail")

    result = await stripe_gateway.charge(request_for(customer, card.gateway_payment_method, "att-2"))

    [intent] = await localstripe_intents(customer)
    assert not result.succeeded
    assert result.gateway_reference == intent["id"]
    assert intent["status"] == "requires_payment_method"
    assert (result.decline_code, result.decline_message) == ("card_declined", "Your card was declined.")


async def test_the_same_key_again_leaves_one_payment_intent_and_one_charge_at_stripe(
    stripe_gateway: StripeGateway, localstripe_intents: Records, localstripe_charges: Records
) -> None:
    customer = await registered(stripe_gateway)
    card = await stripe_gateway.attach_payment_method(customer, "pm_card_visa")
    request = request_for(customer, card.gateway_payment_method, "att-3")

    first = await stripe_gateway.charge(request)
    again = await stripe_gateway.charge(request)

    assert again == first
    assert [intent["id"] for intent in await localstripe_intents(customer)] == [first.gateway_reference]
    assert len(await localstripe_charges(customer)) == 1


async def test_a_key_resent_by_another_process_after_a_crash_leaves_one_payment_intent(
    stripe_gateway: StripeGateway,
    localstripe_url: str,
    localstripe_intents: Records,
    localstripe_charges: Records,
) -> None:
    """The lease's resend path: the holder died with the answer, and another billing
    process (a new adapter, nothing in memory) sends the attempt again with its key."""
    customer = await registered(stripe_gateway)
    card = await stripe_gateway.attach_payment_method(customer, "pm_card_visa")
    request = request_for(customer, card.gateway_payment_method, "att-crashed")
    first = await stripe_gateway.charge(request)

    other_process = StripeGateway(LOCALSTRIPE_KEY, localstripe_url, timeout_seconds=5)
    try:
        again = await other_process.charge(request)
    finally:
        await other_process.aclose()

    assert again == first
    assert [intent["id"] for intent in await localstripe_intents(customer)] == [first.gateway_reference]
    assert len(await localstripe_charges(customer)) == 1


async def test_a_card_declined_when_attached_is_rejected_with_its_decline_code(
    stripe_gateway: StripeGateway,
) -> None:
    customer = await registered(stripe_gateway)

    with pytest.raises(PaymentMethodRejected) as rejected:
        await stripe_gateway.attach_payment_method(customer, "pm_card_visa_chargeDeclined")

    assert rejected.value.decline_code == "card_declined"


async def test_a_payment_method_stripe_does_not_know_is_rejected_without_a_decline_code(
    stripe_gateway: StripeGateway,
) -> None:
    customer = await registered(stripe_gateway)

    with pytest.raises(PaymentMethodRejected) as rejected:
        await stripe_gateway.attach_payment_method(customer, "pm_no_such_card")

    assert rejected.value.decline_code is None
    assert "Not Found" in str(rejected.value)


async def test_a_card_entered_in_the_browser_comes_back_as_the_customers_default_card(
    stripe_gateway: StripeGateway, localstripe_url: str
) -> None:
    """The portal's Stripe Elements flow: SetupIntent, confirmed by Stripe.js, then attached."""
    customer = await registered(stripe_gateway)
    secret = await stripe_gateway.start_card_setup(customer)
    setup_intent = secret.split("_secret_")[0]
    assert setup_intent.startswith("seti_")

    async with httpx.AsyncClient(base_url=localstripe_url) as browser:  # as Stripe.js posts it
        confirmed = await browser.post(
            f"/v1/setup_intents/{setup_intent}/confirm",
            json={
                "key": "pk_test_portal",
                "client_secret": secret,
                "payment_method_data": {
                    "type": "card",
                    "card": {"number": "5555555555554444", "exp_month": 11, "exp_year": 2031, "cvc": "123"},
                },
            },
        )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "succeeded"
    payment_method = confirmed.json()["payment_method"]

    card = await stripe_gateway.attach_payment_method(customer, payment_method)

    assert (card.gateway_payment_method, card.last4, card.exp_month, card.exp_year) == (
        payment_method,
        "4444",
        11,
        2031,
    )
    async with httpx.AsyncClient(base_url=localstripe_url, auth=(LOCALSTRIPE_KEY, "")) as api:
        stored = (await api.get(f"/v1/customers/{customer}")).json()
        methods = (await api.get("/v1/payment_methods", params={"customer": customer, "type": "card"})).json()
    assert stored["invoice_settings"]["default_payment_method"] == payment_method
    assert [m["id"] for m in methods["data"]] == [payment_method]
