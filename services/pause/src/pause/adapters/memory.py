"""Pause's unit of work in memory, for use-case tests that need no database.

Every repository asks its unit of work for the table on each call, so it sees what
that unit of work sees: committed rows under its own staged writes. Rows are the
database's rows (`pause.adapters.records`), so an aggregate read back is built alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pause.adapters.memory_replica import MemorySubscriptionReplica
from pause.adapters.records import pause_from, pause_values
from pause.domain.cancel_intent import CancelIntent
from pause.domain.card_on_file import CardOnFile
from pause.domain.pause import BeachPause, PauseStatus
from pause.service_layer.repositories import PauseMoments
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.customers.memory import MemoryCustomerDirectory
from shared.money import Money
from shared.testing.memory import InMemoryUnitOfWork, MemoryTable


class MemoryBeachPauses:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    def _put(self, pause: BeachPause) -> None:
        self.work.table("beach_pauses").put(pause.id, pause_values(pause))
        self.work.track(pause)

    def _all(self) -> list[BeachPause]:
        found = sorted((pause_from(r) for r in self.work.table("beach_pauses").values()), key=_created)
        for pause in found:
            self.work.track(pause)
        return found

    def _plan_of(self, pause: BeachPause) -> str:
        view = self.work.table("subscription_views").get(pause.subscription_id)
        return (view or {}).get("plan_code") or ""

    async def add(self, pause: BeachPause) -> None:
        self._put(pause)

    async def save(self, pause: BeachPause) -> None:
        self._put(pause)

    async def get(self, pause_id: str) -> BeachPause | None:
        return next((p for p in self._all() if p.id == pause_id), None)

    async def for_subscription(self, subscription_id: str) -> list[BeachPause]:
        return [p for p in self._all() if p.subscription_id == subscription_id]

    async def for_customer(self, customer_id: str) -> list[BeachPause]:
        return [p for p in self._all() if p.customer_id == customer_id]

    async def starting_or_resuming_by(self, moment: datetime, limit: int) -> list[tuple[BeachPause, str]]:
        due = [p for p in self._all() if (at := _moment(p)) is not None and at <= moment]
        return [(pause, self._plan_of(pause)) for pause in due[:limit]]

    async def next_moments(self) -> PauseMoments:
        pauses = self._all()
        starts = [p.starts_at for p in pauses if p.status is PauseStatus.SCHEDULED]
        resumes = [p.resumes_at for p in pauses if p.status is PauseStatus.ACTIVE]
        unreminded: dict[str, datetime] = {}
        for p in pauses:
            if p.status is PauseStatus.ACTIVE and p.reminder_sent_at is None:
                plan = self._plan_of(p)
                unreminded[plan] = min(unreminded.get(plan, p.resumes_at), p.resumes_at)
        return PauseMoments(min(starts, default=None), min(resumes, default=None), unreminded)


def _created(pause: BeachPause) -> datetime:
    return pause.created_at


def _moment(pause: BeachPause) -> datetime | None:
    """When a pause next has something due: a scheduled one's start, an active one's resume."""
    if pause.status is PauseStatus.SCHEDULED:
        return pause.starts_at
    return pause.resumes_at if pause.status is PauseStatus.ACTIVE else None


class MemoryCancelIntents:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    @property
    def _rows(self) -> MemoryTable[str, dict[str, Any]]:
        return self.work.table("cancel_intents")

    async def add(self, intent: CancelIntent) -> None:
        self._rows.put(intent.id, dict(intent.__dict__))

    async def save(self, intent: CancelIntent) -> None:
        self._rows.put(intent.id, dict(intent.__dict__))

    async def get(self, intent_id: str) -> CancelIntent | None:
        row = self._rows.get(intent_id)
        return CancelIntent(**row) if row else None

    async def pending_for(self, subscription_id: str, since: datetime) -> list[CancelIntent]:
        return [
            CancelIntent(**row)
            for row in self._rows.values()
            if row["subscription_id"] == subscription_id
            and row["outcome"] == "pending"
            and row["created_at"] >= since
        ]


class MemoryCardsOnFile:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    async def remember(
        self, customer_id: str, card: CardOnFile, updated_at: datetime, sequence: int | None
    ) -> None:
        cards: MemoryTable[str, tuple[CardOnFile, datetime, int]] = self.work.table("cards_on_file")
        stored = cards.get(customer_id)
        if stored is not None:
            newer = stored[1] <= updated_at if sequence is None else stored[2] < sequence
            if not newer:
                return
        cards.put(customer_id, (card, updated_at, sequence or 0))

    async def of(self, customer_id: str) -> CardOnFile | None:
        stored = self.work.table("cards_on_file").get(customer_id)
        return stored[0] if stored else None


class MemoryBeachFeePayments:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    async def paid(self, invoice_id: str, subscription_id: str, total: Money, paid_at: datetime) -> None:
        self.work.table("fee_payments").put(invoice_id, (subscription_id, total, paid_at))


class InMemoryPauseUnitOfWork(InMemoryUnitOfWork, PauseUnitOfWork):
    def _open_repositories(self) -> None:
        self.customers = MemoryCustomerDirectory(self)
        self.pauses = MemoryBeachPauses(self)
        self.subscriptions = MemorySubscriptionReplica(self)
        self.cancel_intents = MemoryCancelIntents(self)
        self.cards = MemoryCardsOnFile(self)
        self.fee_payments = MemoryBeachFeePayments(self)
