"""Billing's unit of work on its database: the SQL repositories on one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from billing.adapters.repositories import (
    SqlCustomerRepository,
    SqlInvoiceRepository,
    SqlPaymentAttemptRepository,
    SqlPaymentMethodRepository,
    SqlPlanRepository,
    SqlSubscriptionRepository,
)
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.commands import CancelSubscription
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted
from shared.unit_of_work import SqlUnitOfWork

LOCK_THEIR_SUBSCRIPTION = (
    CancelSubscription,
    PauseScheduled,
    PauseStarted,
    PauseExtended,
    PauseEnded,
    PauseCanceled,
)
"""Messages whose handlers lock the subscription they name (`service_layer.commands`)."""


class SqlBillingUnitOfWork(SqlUnitOfWork, BillingUnitOfWork):
    subscriptions: SqlSubscriptionRepository
    invoices: SqlInvoiceRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.customers = SqlCustomerRepository(connection, self.track)
        self.plans = SqlPlanRepository(connection, self.track)
        self.payment_methods = SqlPaymentMethodRepository(connection, self.track)
        self.subscriptions = SqlSubscriptionRepository(connection, self.track)
        self.invoices = SqlInvoiceRepository(connection, self.track)
        self.attempts = SqlPaymentAttemptRepository(connection, self.track)

    async def read_ahead(self, events: Sequence[CloudEvent[Any]]) -> None:
        """A day's cancels from dunning, or a burst of pause facts, lock their
        subscriptions in one statement per batch instead of one round trip each; a
        cancel's open invoices are read together too."""
        ids = [e.data.subscription_id for e in events if isinstance(e.data, LOCK_THEIR_SUBSCRIPTION)]
        await self.subscriptions.read_ahead(ids)
        await self.invoices.read_ahead_open(
            [e.data.subscription_id for e in events if isinstance(e.data, CancelSubscription)]
        )

    async def commit(self) -> None:
        await self.subscriptions.flush()  # a batch's saves, waiting since read ahead
        await super().commit()
