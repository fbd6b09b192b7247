"""Pause's unit of work: the repositories a use case may reach, whatever keeps them.

`pause.adapters.unit_of_work.SqlPauseUnitOfWork` keeps them in the service's database;
`pause.adapters.memory.InMemoryPauseUnitOfWork` keeps them in memory for use-case tests.
"""

from __future__ import annotations

from collections.abc import Callable

from pause.service_layer.repositories import (
    BeachFeePayments,
    BeachPauses,
    CancelIntents,
    CardsOnFile,
    SubscriptionReplica,
)
from shared.customers.profiles import CustomerProfiles
from shared.unit_of_work import UnitOfWork


class PauseUnitOfWork(UnitOfWork):
    customers: CustomerProfiles
    pauses: BeachPauses
    subscriptions: SubscriptionReplica
    cancel_intents: CancelIntents
    cards: CardsOnFile
    fee_payments: BeachFeePayments


UnitOfWorkFactory = Callable[[], PauseUnitOfWork]
