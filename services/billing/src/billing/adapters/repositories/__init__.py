"""Billing's repositories, one module per aggregate."""

from __future__ import annotations

from billing.adapters.repositories.attempts import PaymentAttemptRepository
from billing.adapters.repositories.customers import CustomerRepository
from billing.adapters.repositories.invoices import InvoiceRepository
from billing.adapters.repositories.payment_methods import PaymentMethodRepository
from billing.adapters.repositories.plans import PlanRepository
from billing.adapters.repositories.subscriptions import SubscriptionRepository

__all__ = [
    "CustomerRepository",
    "InvoiceRepository",
    "PaymentAttemptRepository",
    "PaymentMethodRepository",
    "PlanRepository",
    "SubscriptionRepository",
]
