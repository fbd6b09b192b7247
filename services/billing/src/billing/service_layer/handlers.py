"""Billing's use cases. Each runs in one unit of work and commits once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing.domain.customer import Customer
from billing.service_layer.unit_of_work import BillingUnitOfWork

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]


@dataclass(frozen=True)
class RegisterCustomer:
    email: str
    name: str
    timezone: str


async def register_customer(command: RegisterCustomer, uow: UnitOfWorkFactory) -> Customer:
    """Store the customer and its `customer.created` event in one transaction."""
    async with uow() as work:
        customer = Customer.register(
            email=command.email, name=command.name, timezone=command.timezone, now=work.clock.now()
        )
        await work.customers.add(customer)
        await work.commit()
    return customer


async def find_customer(customer_id: str, uow: UnitOfWorkFactory) -> Customer | None:
    async with uow().read_only() as work:
        return await work.customers.get(customer_id)
