"""Adding a card: attach it at the gateway, make it the default, tell dunning.

Attaching a card and starting a card form wait on the gateway between two short
transactions, so they are processes (`MessageBus.process`); storing a card the gateway
already gave us, and applying the network's card update, are one transaction each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from billing.adapters.gateways.port import CardDetails, PaymentGateway
from billing.domain.payment_method import PaymentMethod
from billing.service_layer.unit_of_work import BillingUnitOfWork, UnitOfWorkFactory
from shared.bus import Command
from shared.errors import NotFound

CardSource = Literal["customer", "admin", "card_updater"]


@dataclass(frozen=True)
class AddCard(Command[PaymentMethod]):
    customer_id: str
    gateway_payment_method: str
    source: Literal["customer", "admin"] = "customer"
    as_default: bool = True
    """False: a backup beside the default (a customer's first card is the default anyway)."""


@dataclass(frozen=True)
class StartCardSetup(Command[str]):
    """A client secret for the portal's card form (Stripe Elements)."""

    customer_id: str


@dataclass(frozen=True)
class ApplyCardUpdate(Command[bool]):
    """The card network replaced a card (account updater); False if the customer is unknown."""

    gateway_customer: str
    card: CardDetails


class CardHandlers:
    def __init__(self, gateway: PaymentGateway) -> None:
        self.gateway = gateway

    async def add(self, command: AddCard, uow: UnitOfWorkFactory) -> PaymentMethod:
        """Attach the card at the gateway, then store it as the default.

        `payment_method.updated` goes out with it: dunning retries an open case at once
        when a new card arrives.
        """
        gateway_customer = await self._gateway_customer(command.customer_id, uow)
        card = await self.gateway.attach_payment_method(gateway_customer, command.gateway_payment_method)
        if not command.as_default:
            return await store_backup_card(command.customer_id, card, uow, source=command.source)
        return await store_default_card(command.customer_id, card, uow, source=command.source)

    async def start_setup(self, command: StartCardSetup, uow: UnitOfWorkFactory) -> str:
        """The browser sends the card number to the gateway itself and gets back a payment
        method id, which then comes to `AddCard` like any other."""
        return await self.gateway.start_card_setup(await self._gateway_customer(command.customer_id, uow))

    async def _gateway_customer(self, customer_id: str, uow: UnitOfWorkFactory) -> str:
        """The customer's id at the gateway, registering them there on first use."""
        async with uow().read_only() as work:
            customer = await work.customers.get(customer_id)
            if customer is None:
                raise NotFound("customer_id", f"no customer {customer_id}")
            gateway_customer = customer.gateway_customer
        if gateway_customer is None:
            gateway_customer = await self.gateway.register_customer(
                customer.id, customer.email, customer.name
            )
            async with uow() as work:
                await work.customers.set_gateway_customer(customer.id, gateway_customer)
                await work.commit()
        return gateway_customer


async def apply_card_update(command: ApplyCardUpdate, work: BillingUnitOfWork) -> bool:
    customer = await work.customers.by_gateway_customer(command.gateway_customer)
    if customer is None:
        return False
    await _store(work, customer.id, command.card, "card_updater")
    return True


async def store_default_card(
    customer_id: str, card: CardDetails, uow: UnitOfWorkFactory, *, source: CardSource
) -> PaymentMethod:
    async with uow() as work:
        method = await _store(work, customer_id, card, source)
        await work.commit()
    return method


async def store_backup_card(
    customer_id: str, card: CardDetails, uow: UnitOfWorkFactory, *, source: CardSource
) -> PaymentMethod:
    async with uow() as work:
        if await work.payment_methods.default_for(customer_id) is None:
            method = await _store(work, customer_id, card, source)
        else:
            method = PaymentMethod.add_backup(
                customer_id=customer_id,
                gateway_payment_method=card.gateway_payment_method,
                brand=card.brand,
                last4=card.last4,
                exp_month=card.exp_month,
                exp_year=card.exp_year,
                now=work.clock.now(),
            )
            method.announce_backup(source)
            await work.payment_methods.add_backup(method)
        await work.commit()
    return method


async def _store(
    work: BillingUnitOfWork, customer_id: str, card: CardDetails, source: CardSource
) -> PaymentMethod:
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
    return method
