"""Dunning's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dunning.adapters.orm import customer_profiles
from dunning.adapters.repository import CaseRepository, SettledInvoices, SubscriptionStates
from shared.customer_directory import CustomerDirectory
from shared.unit_of_work import SqlUnitOfWork


class DunningUnitOfWork(SqlUnitOfWork):
    customers: CustomerDirectory
    cases: CaseRepository
    settled_invoices: SettledInvoices
    subscription_states: SubscriptionStates

    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerDirectory(customer_profiles, session)
        self.cases = CaseRepository(session, self.track)
        self.settled_invoices = SettledInvoices(session)
        self.subscription_states = SubscriptionStates(session)
