"""Billing's unit of work: its repositories on one transaction with the outbox."""

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
from shared.unit_of_work import SqlUnitOfWork


class BillingUnitOfWork(SqlUnitOfWork):
    customers: CustomerRepository
    plans: PlanRepository
    payment_methods: PaymentMethodRepository
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    attempts: PaymentAttemptRepository

    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerRepository(session, self.track)
        self.plans = PlanRepository(session, self.track)
        self.payment_methods = PaymentMethodRepository(session, self.track)
        self.subscriptions = SubscriptionRepository(session, self.track)
        self.invoices = InvoiceRepository(session, self.track)
        self.attempts = PaymentAttemptRepository(session, self.track)
