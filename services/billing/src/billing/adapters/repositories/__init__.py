"""Billing's repositories, one module per aggregate."""

from __future__ import annotations

from billing.adapters.repositories.attempts import SqlPaymentAttemptRepository
from billing.adapters.repositories.customers import SqlCustomerRepository
from billing.adapters.repositories.invoices import SqlInvoiceRepository
from billing.adapters.repositories.payment_methods import SqlPaymentMethodRepository
from billing.adapters.repositories.plans import SqlPlanRepository
from billing.adapters.repositories.subscriptions import SqlSubscriptionRepository

__all__ = [
    "SqlCustomerRepository",
    "SqlInvoiceRepository",
    "SqlPaymentAttemptRepository",
    "SqlPaymentMethodRepository",
    "SqlPlanRepository",
    "SqlSubscriptionRepository",
]
