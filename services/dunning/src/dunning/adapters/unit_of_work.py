"""Dunning's unit of work on its database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dunning.adapters.orm import customer_profiles
from dunning.adapters.repository import SqlCaseRepository, SqlSettledInvoices, SqlSubscriptionStates
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.customers.directory import CustomerDirectory
from shared.unit_of_work import SqlUnitOfWork


class SqlDunningUnitOfWork(SqlUnitOfWork, DunningUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerDirectory(customer_profiles, session)
        self.cases = SqlCaseRepository(session, self.track)
        self.settled_invoices = SqlSettledInvoices(session)
        self.subscription_states = SqlSubscriptionStates(session)
