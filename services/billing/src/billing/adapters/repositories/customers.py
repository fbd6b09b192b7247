"""Customers, and their reference at the payment gateway."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import insert, select, update

from billing.adapters.orm import customers, payment_methods
from billing.adapters.repositories.base import _Repository
from billing.domain.customer import Customer
from billing.domain.payment_method import PaymentMethod


class SqlCustomerRepository(_Repository):
    async def add(self, customer: Customer) -> None:
        values = {k: v for k, v in customer.__dict__.items() if k != "events"}
        await self.connection.execute(insert(customers).values(**values))
        self._track(customer)

    async def get(self, customer_id: str) -> Customer | None:
        row = await self._one(customers, customers.c.id == customer_id)
        if row is None:
            return None
        customer = Customer(**row._mapping)
        self._track(customer)
        return customer

    async def with_default_card(self, customer_id: str) -> tuple[Customer, PaymentMethod | None] | None:
        """The customer and their default card, read with one statement: starting a
        subscription needs both, and it is the write path merchants call most."""
        c, pm = customers, payment_methods
        card_of = c.outerjoin(pm, (pm.c.customer_id == c.c.id) & pm.c.is_default)
        query = select(c, pm).select_from(card_of).where(c.c.id == customer_id).limit(1)
        row = (await self.connection.execute(query)).first()
        if row is None:
            return None
        found = row._mapping
        customer = Customer(**{column.name: found[column] for column in c.c})
        self._track(customer)
        if found[pm.c.id] is None:
            return customer, None
        card = PaymentMethod(**{column.name: found[column] for column in pm.c})
        self._track(card)
        return customer, card

    async def get_many(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        found = {}
        for row in await self._rows(customers, customers.c.id.in_(customer_ids)):
            customer = found[row.id] = Customer(**row._mapping)
            self._track(customer)
        return found

    async def by_gateway_customer(self, reference: str) -> Customer | None:
        row = await self._one(customers, customers.c.gateway_customer == reference)
        return Customer(**row._mapping) if row else None

    async def set_gateway_customer(self, customer_id: str, reference: str) -> None:
        await self.connection.execute(
            update(customers).where(customers.c.id == customer_id).values(gateway_customer=reference)
        )

    async def save_locale(self, customer: Customer) -> None:
        await self.connection.execute(
            update(customers).where(customers.c.id == customer.id).values(locale=customer.locale)
        )
        self._track(customer)
