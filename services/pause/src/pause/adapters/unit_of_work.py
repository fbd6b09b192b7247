"""Pause's unit of work on its database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pause.adapters.cards_and_fees import SqlBeachFeePayments, SqlCardsOnFile
from pause.adapters.orm import customer_profiles
from pause.adapters.repository import SqlBeachPauses, SqlCancelIntents
from pause.adapters.subscription_replica import SqlSubscriptionReplica
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.customers.directory import CustomerDirectory
from shared.unit_of_work import SqlUnitOfWork


class SqlPauseUnitOfWork(SqlUnitOfWork, PauseUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerDirectory(customer_profiles, session)
        self.pauses = SqlBeachPauses(session, self.track)
        self.subscriptions = SqlSubscriptionReplica(session)
        self.cancel_intents = SqlCancelIntents(session)
        self.cards = SqlCardsOnFile(session)
        self.fee_payments = SqlBeachFeePayments(session)
