"""Pause's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pause.adapters.orm import customer_profiles
from pause.adapters.repository import CancelIntentRepository, PauseRepository, SubscriptionViews
from shared.customer_directory import CustomerDirectory
from shared.unit_of_work import SqlUnitOfWork


class PauseUnitOfWork(SqlUnitOfWork):
    customers: CustomerDirectory
    pauses: PauseRepository
    subscriptions: SubscriptionViews
    cancel_intents: CancelIntentRepository

    def _open_repositories(self, session: AsyncSession) -> None:
        self.customers = CustomerDirectory(customer_profiles, session)
        self.pauses = PauseRepository(session, self.track)
        self.subscriptions = SubscriptionViews(session)
        self.cancel_intents = CancelIntentRepository(session)
