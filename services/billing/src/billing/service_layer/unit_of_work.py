"""Billing's unit of work: its repositories on one transaction with the outbox.

`BillingUnitOfWork` is the seam the service layer sees: repositories typed by the
Protocols in `billing.service_layer.repositories`. `billing.adapters.unit_of_work` keeps
them in the database (what `bootstrap` builds); `billing.adapters.memory` keeps them in memory.
"""

from __future__ import annotations

from collections.abc import Callable

from billing.service_layer.repositories import (
    Customers,
    Invoices,
    PaymentAttempts,
    PaymentMethods,
    Plans,
    Subscriptions,
)
from shared.unit_of_work import UnitOfWork


class BillingUnitOfWork(UnitOfWork):
    customers: Customers
    plans: Plans
    payment_methods: PaymentMethods
    subscriptions: Subscriptions
    invoices: Invoices
    attempts: PaymentAttempts


UnitOfWorkFactory = Callable[[], BillingUnitOfWork]
"""What a process (one that owns its transactions) is given: a new unit of work per call."""
