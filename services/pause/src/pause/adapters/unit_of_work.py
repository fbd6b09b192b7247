"""Pause's unit of work on its database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pause.adapters.cards_and_fees import SqlBeachFeePayments, SqlCardsOnFile
from pause.adapters.orm import customer_profiles
from pause.adapters.repository import SqlBeachPauses, SqlCancelIntents
from pause.adapters.subscription_replica import SqlSubscriptionReplica
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.base import CloudEvent
from shared.customers.directory import CustomerDirectory
from shared.unit_of_work import SqlUnitOfWork, values_of


class SqlPauseUnitOfWork(SqlUnitOfWork, PauseUnitOfWork):
    customers: CustomerDirectory
    subscriptions: SqlSubscriptionReplica

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.customers = CustomerDirectory(customer_profiles, connection)
        self.pauses = SqlBeachPauses(connection, self.track)
        self.subscriptions = SqlSubscriptionReplica(connection)
        self.cancel_intents = SqlCancelIntents(connection)
        self.cards = SqlCardsOnFile(connection)
        self.fee_payments = SqlBeachFeePayments(connection)

    async def read_ahead(self, events: Sequence[CloudEvent[Any]]) -> None:
        """Which of the batch's subscriptions have a row: a burst of billing's facts then
        costs one read and one insert per batch for the new ones, and no `heard_of`
        statement for the known ones."""
        await self.subscriptions.read_ahead(values_of(events, "subscription_id"))

    async def commit(self) -> None:
        await self.subscriptions.flush()
        await self.customers.flush()
        await super().commit()
