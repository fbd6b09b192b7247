"""Billing's unit of work on its database: the SQL repositories on one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories import (
    SqlCustomerRepository,
    SqlInvoiceRepository,
    SqlPaymentAttemptRepository,
    SqlPaymentMethodRepository,
    SqlPlanRepository,
    SqlSubscriptionRepository,
)
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.unit_of_work import SqlUnitOfWork


class SqlBillingUnitOfWork(SqlUnitOfWork, BillingUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = SqlCustomerRepository(session, self.track)
        self.plans = SqlPlanRepository(session, self.track)
        self.payment_methods = SqlPaymentMethodRepository(session, self.track)
        self.subscriptions = SqlSubscriptionRepository(session, self.track)
        self.invoices = SqlInvoiceRepository(session, self.track)
        self.attempts = SqlPaymentAttemptRepository(session, self.track)
