"""Adding a card: attach it at the gateway, make it the default, tell dunning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from billing.adapters.gateways.port import CardDetails, PaymentGateway
from billing.domain.payment_method import PaymentMethod
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.errors import NotFound

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]


async def add_payment_method(
    customer_id: str,
    gateway_payment_method: str,
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway,
    *,
    source: Literal["customer", "admin"] = "customer",
) -> PaymentMethod:
    """Attach the card at the gateway, then store it as the default.

    `payment_method.updated` goes out with it: dunning retries an open case at once
    when a new card arrives.
    """
    gateway_customer = await _gateway_customer(customer_id, uow, gateway)
    card = await gateway.attach_payment_method(gateway_customer, gateway_payment_method)
    return await store_default_card(customer_id, card, uow, source=source)


async def start_card_setup(customer_id: str, uow: UnitOfWorkFactory, gateway: PaymentGateway) -> str:
    """A client secret for the portal's card form (Stripe Elements).

    The browser sends the card number to the gateway itself and gets back a payment
    method id, which then comes to `add_payment_method` like any other.
    """
    return await gateway.start_card_setup(await _gateway_customer(customer_id, uow, gateway))


async def _gateway_customer(customer_id: str, uow: UnitOfWorkFactory, gateway: PaymentGateway) -> str:
    """The customer's id at the gateway, registering them there on first use."""
    async with uow().read_only() as work:
        customer = await work.customers.get(customer_id)
        if customer is None:
            raise NotFound("customer_id", f"no customer {customer_id}")
        gateway_customer = customer.gateway_customer
    if gateway_customer is None:
        gateway_customer = await gateway.register_customer(customer.id, customer.email, customer.name)
        async with uow() as work:
            await work.customers.set_gateway_customer(customer.id, gateway_customer)
            await work.commit()
    return gateway_customer


async def store_default_card(
    customer_id: str,
    card: CardDetails,
    uow: UnitOfWorkFactory,
    *,
    source: Literal["customer", "admin", "card_updater"],
) -> PaymentMethod:
    async with uow() as work:
        method = PaymentMethod.add_default(
            customer_id=customer_id,
            gateway_payment_method=card.gateway_payment_method,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            source=source,
            now=work.clock.now(),
        )
        await work.payment_methods.add_default(method)
        await work.commit()
    return method
