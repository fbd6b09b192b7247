"""Dunning's unit of work on its database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters.orm import customer_profiles
from dunning.adapters.recovery_tokens import SqlRecoveryTokens
from dunning.adapters.repository import SqlCaseRepository
from dunning.adapters.subscription_facts import SqlSettledInvoices, SqlSubscriptionStates
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.billing import (
    CustomerCreated,
    PaymentMethodUpdated,
    SubscriptionCanceled,
    SubscriptionPaused,
)
from shared.customers.directory import CustomerDirectory
from shared.unit_of_work import SqlUnitOfWork, values_of

LOOK_FOR_THE_CUSTOMER = (CustomerCreated, PaymentMethodUpdated)
"""Facts whose handlers look for their customer's open cases (`CustomerUpdated` is a
`CustomerCreated`)."""
LOOK_FOR_THE_SUBSCRIPTION = (SubscriptionCanceled, SubscriptionPaused)
"""Facts whose handlers look for their subscription's open cases."""


class SqlDunningUnitOfWork(SqlUnitOfWork, DunningUnitOfWork):
    customers: CustomerDirectory
    cases: SqlCaseRepository
    settled_invoices: SqlSettledInvoices
    subscription_states: SqlSubscriptionStates
    recovery_tokens: SqlRecoveryTokens

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.customers = CustomerDirectory(customer_profiles, connection)
        self.cases = SqlCaseRepository(connection, self.track)
        self.settled_invoices = SqlSettledInvoices(connection)
        self.subscription_states = SqlSubscriptionStates(connection)
        self.recovery_tokens = SqlRecoveryTokens(connection)

    async def read_ahead(self, events: Sequence[CloudEvent[Any]]) -> None:
        """What billing's facts look up: a burst of `payment.failed` then costs four reads
        and one insert per batch, not five round trips per failure; a burst of new
        customers, new cards, cancels or pauses one look for which of them have open cases
        (most have none), and one write of their profiles or facts."""
        invoices = values_of(events, "invoice_id")
        await self.cases.read_ahead(invoices)
        await self.settled_invoices.read_ahead(invoices)
        await self.subscription_states.read_ahead(values_of(events, "subscription_id"))
        await self.customers.read_ahead(values_of(events, "customer_id"))
        await self.cases.read_ahead_open(
            customer_ids=[e.data.customer_id for e in events if isinstance(e.data, LOOK_FOR_THE_CUSTOMER)],
            subscription_ids=[
                e.data.subscription_id for e in events if isinstance(e.data, LOOK_FOR_THE_SUBSCRIPTION)
            ],
        )

    async def commit(self) -> None:
        await self.cases.flush()
        await self.customers.flush()
        await self.settled_invoices.flush()
        await self.subscription_states.flush()
        await super().commit()
