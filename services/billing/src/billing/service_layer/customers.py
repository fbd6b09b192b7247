"""Registering and finding customers."""

from __future__ import annotations

from dataclasses import dataclass

from billing.domain.customer import Customer
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import Command, Query
from shared.errors import NotFound


@dataclass(frozen=True)
class RegisterCustomer(Command[Customer]):
    email: str
    name: str
    timezone: str
    locale: str = "en"


@dataclass(frozen=True)
class ChangeCustomerLocale(Command[Customer]):
    customer_id: str
    locale: str


@dataclass(frozen=True)
class FindCustomer(Query[Customer]):
    customer_id: str


async def register_customer(command: RegisterCustomer, work: BillingUnitOfWork) -> Customer:
    """Store the customer; its `customer.created` event is committed with it."""
    customer = Customer.register(
        email=command.email,
        name=command.name,
        timezone=command.timezone,
        locale=command.locale,
        now=work.clock.now(),
    )
    await work.customers.add(customer)
    return customer


async def find_customer(query: FindCustomer, work: BillingUnitOfWork) -> Customer:
    customer = await work.customers.get(query.customer_id)
    if customer is None:
        raise NotFound("customer_id", f"no customer {query.customer_id}")
    return customer


async def change_customer_locale(command: ChangeCustomerLocale, work: BillingUnitOfWork) -> Customer:
    customer = await find_customer(FindCustomer(command.customer_id), work)
    if customer.change_locale(command.locale, work.clock.now()):
        await work.customers.save_locale(customer)
    return customer
