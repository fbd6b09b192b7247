"""Billing's unit of work: its repositories on one transaction with the outbox.

`BillingUnitOfWork` is the seam the service layer sees: repositories typed by the
Protocols in `billing.service_layer.repositories`. `SqlBillingUnitOfWork` keeps them in
the database (what `bootstrap` builds); `billing.adapters.memory` keeps them in memory.
"""

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
from billing.service_layer.repositories import (
    Customers,
    Invoices,
    PaymentAttempts,
    PaymentMethods,
    Plans,
    Subscriptions,
)
from shared.unit_of_work import SqlUnitOfWork, UnitOfWork


class BillingUnitOfWork(UnitOfWork):
    customers: Customers
    plans: Plans
    payment_methods: PaymentMethods
    subscriptions: Subscriptions
    invoices: Invoices
    attempts: PaymentAttempts


class SqlBillingUnitOfWork(SqlUnitOfWork, BillingUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerRepository(session, self.track)
        self.plans = PlanRepository(session, self.track)
        self.payment_methods = PaymentMethodRepository(session, self.track)
        self.subscriptions = SubscriptionRepository(session, self.track)
        self.invoices = InvoiceRepository(session, self.track)
        self.attempts = PaymentAttemptRepository(session, self.track)
