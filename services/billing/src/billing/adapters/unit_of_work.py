"""Billing's unit of work on its database: the SQL repositories on one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories import (
    CustomerRepository,
    InvoiceRepository,
    PaymentAttemptRepository,
    PaymentMethodRepository,
    PlanRepository,
    SubscriptionRepository,
)
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.unit_of_work import SqlUnitOfWork


class SqlBillingUnitOfWork(SqlUnitOfWork, BillingUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerRepository(session, self.track)
        self.plans = PlanRepository(session, self.track)
        self.payment_methods = PaymentMethodRepository(session, self.track)
        self.subscriptions = SubscriptionRepository(session, self.track)
        self.invoices = InvoiceRepository(session, self.track)
        self.attempts = PaymentAttemptRepository(session, self.track)
