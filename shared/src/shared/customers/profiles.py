"""A customer as another service knows them, and the port a unit of work offers for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.contracts.base import CloudEvent
from shared.contracts.billing import CustomerCreated, CustomerUpdated


@dataclass(frozen=True)
class CustomerProfile:
    id: str
    email: str
    name: str
    timezone: str
    registered_at: datetime
    locale: str = "en"
    """BCP 47; what the customer's messages and portal pages are written in."""

    @classmethod
    def of(cls, data: CustomerCreated) -> CustomerProfile:
        return cls(data.customer_id, data.email, data.name, data.timezone, data.created_at, data.locale)


class CustomerProfiles(Protocol):
    async def get(self, customer_id: str) -> CustomerProfile | None: ...

    async def remember(self, data: CustomerCreated) -> None:
        """Keep the profile; a redelivered or newer `customer.created` replaces it."""


class KnowsCustomers(Protocol):
    @property
    def customers(self) -> CustomerProfiles: ...


async def remember_customer(event: CloudEvent[CustomerCreated], work: KnowsCustomers) -> None:
    """The `customer.created` handler, in the consumer's unit of work."""
    await work.customers.remember(event.data)


async def remember_changed_customer(event: CloudEvent[CustomerUpdated], work: KnowsCustomers) -> None:
    """`customer.updated` carries the whole profile, so it is kept as a new one is."""
    await work.customers.remember(event.data)
