"""What billing relies on from any payment gateway, checked on the simulator and on Stripe.

The same tests run against the simulated gateway and against the Stripe adapter talking
to a real localstripe, so the simulator used in demos cannot drift from the real thing.
Only ids both understand are used: localstripe knows `pm_card_visa` and
`pm_card_chargeCustomerFail`, and no decline codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from billing.adapters.gateways.port import ChargeRequest, PaymentGateway, PaymentMethodRejected
from billing.adapters.gateways.simulated import SimulatedGateway
from billing.adapters.gateways.stripe import StripeGateway
from shared.money import Money

# stripe's HTTPXClient posts its form body as `data=`, which httpx deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@dataclass
class GatewayUnderTest:
    gateway: PaymentGateway
    successful_charges: Callable[[str], Awaitable[int]]  # money actually taken from a gateway customer


@pytest.fixture(params=["simulated", "stripe"])
def subject(
    request: pytest.FixtureRequest,
    stripe_gateway: StripeGateway,
    localstripe_charges: Callable[[str], Awaitable[list[dict[str, Any]]]],
) -> GatewayUnderTest:
    if request.param == "simulated":
        simulated = SimulatedGateway()

        async def made(customer: str) -> int:
            return sum(1 for charge in simulated.charges if charge.gateway_customer == customer)

        return GatewayUnderTest(simulated, made)

    async def succeeded(customer: str) -> int:
        return sum(1 for charge in await localstripe_charges(customer) if charge["status"] == "succeeded")

    return GatewayUnderTest(stripe_gateway, succeeded)


async def customer_with_card(gateway: PaymentGateway, card: str) -> tuple[str, str]:
    customer_id = f"cus-{uuid.uuid4().hex[:12]}"
    gateway_customer = await gateway.register_customer(customer_id, f"{customer_id}@example.com", "Ada")
    attached = await gateway.attach_payment_method(gateway_customer, card)
    return gateway_customer, attached.gateway_payment_method


def charge_of(customer: str, method: str, key: str | None = None) -> ChargeRequest:
    return ChargeRequest(
        idempotency_key=key or f"attempt-{uuid.uuid4().hex}",
        gateway_customer=customer,
        gateway_payment_method=method,
        amount=Money(amount=1500, currency="EUR"),
        description="Invoice 2026-000042",
        metadata={"invoice_id": "inv-1", "subscription_id": "sub-1"},
    )


async def test_a_visa_card_is_charged_and_the_charge_has_a_reference(subject: GatewayUnderTest) -> None:
    customer, method = await customer_with_card(subject.gateway, "pm_card_visa")

    result = await subject.gateway.charge(charge_of(customer, method))

    assert result.succeeded
    assert result.gateway_reference
    assert (result.decline_code, result.decline_message) == (None, None)
    assert await subject.successful_charges(customer) == 1


async def test_attaching_a_card_returns_its_brand_last_four_and_a_future_expiry(
    subject: GatewayUnderTest,
) -> None:
    customer = await subject.gateway.register_customer("cus-card", "card@example.com", "Ada")

    card = await subject.gateway.attach_payment_method(customer, "pm_card_visa")

    assert (card.brand, card.last4) == ("visa", "4242")
    assert card.gateway_payment_method.startswith("pm_")
    assert 1 <= card.exp_month <= 12
    assert card.exp_year >= 2030


async def test_a_card_that_attaches_but_always_fails_is_declined_as_card_declined(
    subject: GatewayUnderTest,
) -> None:
    customer, method = await customer_with_card(subject.gateway, "pm_card_chargeCustomerFail")

    result = await subject.gateway.charge(charge_of(customer, method))

    assert not result.succeeded
    assert result.decline_code == "card_declined"
    assert result.decline_message
    assert await subject.successful_charges(customer) == 0


async def test_the_same_key_charged_twice_answers_the_first_result_and_takes_money_once(
    subject: GatewayUnderTest,
) -> None:
    customer, method = await customer_with_card(subject.gateway, "pm_card_visa")
    request = charge_of(customer, method, key="attempt-same-key")

    first = await subject.gateway.charge(request)
    again = await subject.gateway.charge(request)

    assert first.succeeded
    assert again == first
    assert await subject.successful_charges(customer) == 1


async def test_a_declined_key_charged_again_stays_declined_with_the_same_reference(
    subject: GatewayUnderTest,
) -> None:
    customer, method = await customer_with_card(subject.gateway, "pm_card_chargeCustomerFail")
    request = charge_of(customer, method)

    first = await subject.gateway.charge(request)
    again = await subject.gateway.charge(request)

    assert not first.succeeded
    assert again == first


async def test_two_keys_are_two_charges(subject: GatewayUnderTest) -> None:
    customer, method = await customer_with_card(subject.gateway, "pm_card_visa")

    first = await subject.gateway.charge(charge_of(customer, method))
    second = await subject.gateway.charge(charge_of(customer, method))

    assert first.succeeded
    assert second.succeeded
    assert first.gateway_reference != second.gateway_reference
    assert await subject.successful_charges(customer) == 2


async def test_registering_the_same_customer_twice_gives_the_same_gateway_customer(
    subject: GatewayUnderTest,
) -> None:
    customer_id = f"cus-{uuid.uuid4().hex[:12]}"

    first = await subject.gateway.register_customer(customer_id, f"{customer_id}@example.com", "Ada")
    again = await subject.gateway.register_customer(customer_id, f"{customer_id}@example.com", "Ada")
    other = await subject.gateway.register_customer(f"{customer_id}-2", f"{customer_id}@example.com", "Bo")

    assert again == first
    assert other != first


async def test_an_unknown_payment_method_is_rejected(subject: GatewayUnderTest) -> None:
    customer = await subject.gateway.register_customer("cus-unknown", "unknown@example.com", "Ada")

    with pytest.raises(PaymentMethodRejected) as rejected:
        await subject.gateway.attach_payment_method(customer, "pm_no_such_card")

    assert str(rejected.value)
