"""The customer profiles in an in-memory unit of work, for use-case tests."""

from __future__ import annotations

from shared.contracts.billing import CustomerCreated
from shared.customers.profiles import CustomerProfile
from shared.testing.memory import InMemoryUnitOfWork


class MemoryCustomerDirectory:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    async def get(self, customer_id: str) -> CustomerProfile | None:
        found: CustomerProfile | None = self.work.table("customer_profiles").get(customer_id)
        return found

    async def remember(self, data: CustomerCreated) -> None:
        self.work.table("customer_profiles").put(data.customer_id, CustomerProfile.of(data))
