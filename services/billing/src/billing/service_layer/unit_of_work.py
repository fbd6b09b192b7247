"""Billing's unit of work: its repositories on one transaction with the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repository import CustomerRepository
from shared.unit_of_work import SqlUnitOfWork


class BillingUnitOfWork(SqlUnitOfWork):
    customers: CustomerRepository

    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerRepository(session, self.track)
