"""Dunning's repositories in memory, for use-case tests that need no database.

They keep the promises of the SQL ones that the service layer relies on, checked by
the same contract suite: a case is found by its invoice, its subscription or its
customer; due cases come oldest first; a save of a case someone else saved since it
was read is refused; a paid invoice and the newest subscription fact are remembered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from dunning.domain.case import DunningCase
from dunning.domain.recovery_link import RecoveryToken
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.customers.memory import MemoryCustomerDirectory
from shared.failures import ConcurrentUpdate
from shared.testing.memory import InMemoryUnitOfWork, MemoryTable


@dataclass
class _StoredCase:
    case: DunningCase
    next_due_at: datetime | None


class MemoryCaseRepository:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    @property
    def _table(self) -> MemoryTable[str, _StoredCase]:
        return self.work.table("dunning_cases")

    def _put(self, case: DunningCase, next_due_at: datetime | None) -> None:
        self._table.put(case.id, _StoredCase(dataclasses.replace(case, events=[]), next_due_at))
        self.work.track(case)

    async def add(self, case: DunningCase, next_due_at: datetime | None) -> None:
        if case.id in self._table or await self.by_invoice(case.invoice_id) is not None:
            raise ValueError(f"a dunning case for invoice {case.invoice_id} exists already")
        self._put(case, next_due_at)

    async def save(self, case: DunningCase, next_due_at: datetime | None) -> None:
        stored = self._table.get(case.id)
        if stored is None or stored.case.version != case.version:
            raise ConcurrentUpdate(f"dunning case {case.id} changed concurrently")
        case.version += 1
        self._put(case, next_due_at)

    def _found(self, rows: list[_StoredCase], limit: int = 1000) -> list[DunningCase]:
        found = [row.case for row in sorted(rows, key=lambda row: row.case.opened_at)[:limit]]
        for case in found:
            self.work.track(case)
        return found

    async def by_invoice(self, invoice_id: str) -> DunningCase | None:
        found = self._found([row for row in self._table.values() if row.case.invoice_id == invoice_id])
        return found[0] if found else None

    async def get(self, case_id: str) -> DunningCase | None:
        row = self._table.get(case_id)
        return self._found([row])[0] if row else None

    async def open_for(
        self, *, subscription_id: str | None = None, customer_id: str | None = None
    ) -> list[DunningCase]:
        return self._found(
            [
                row
                for row in self._open()
                if subscription_id in (None, "", row.case.subscription_id)
                and customer_id in (None, "", row.case.customer_id)
            ]
        )

    def _open(self) -> list[_StoredCase]:
        return [row for row in self._table.values() if row.case.is_open]

    def _due(self, now: datetime) -> list[_StoredCase]:
        return [row for row in self._open() if row.next_due_at is not None and row.next_due_at <= now]

    async def due(self, now: datetime, limit: int, *, lock: bool = True) -> list[DunningCase]:
        return self._found(self._due(now), limit)

    def _checks_due(self, now: datetime) -> list[_StoredCase]:
        return [
            row
            for row in self._table.values()
            if row.case.retention_check_at is not None and row.case.retention_check_at <= now
        ]

    async def retention_due(self, now: datetime, limit: int) -> list[DunningCase]:
        return self._found(self._checks_due(now), limit)

    async def next_due_at(self) -> datetime | None:
        moments = [row.next_due_at for row in self._open()]
        moments += [row.case.retention_check_at for row in self._table.values()]
        return min((moment for moment in moments if moment is not None), default=None)

    async def count_due(self, now: datetime) -> int:
        return len(self._due(now)) + len(self._checks_due(now))


class MemorySettledInvoices:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    async def remember(self, invoice_id: str, subscription_id: str, paid_at: datetime) -> None:
        table: MemoryTable[str, tuple[str, datetime]] = self.work.table("settled_invoices")
        if invoice_id not in table:
            table.put(invoice_id, (subscription_id, paid_at))

    async def is_paid(self, invoice_id: str) -> bool:
        return invoice_id in self.work.table("settled_invoices")


class MemorySubscriptionStates:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    @property
    def _table(self) -> MemoryTable[str, tuple[str, int]]:
        return self.work.table("subscription_states")

    async def remember(self, subscription_id: str, status: str, sequence: int | None) -> None:
        stored = self._table.get(subscription_id)
        if stored is None or stored[1] < (sequence or 0):
            self._table.put(subscription_id, (status, sequence or 0))

    async def latest_status(self, subscription_id: str) -> str | None:
        stored = self._table.get(subscription_id)
        return stored[0] if stored else None

    async def ended_after(self, subscription_id: str, sequence: int | None) -> str | None:
        stored = self._table.get(subscription_id)
        if stored is None or sequence is None or stored[1] <= sequence:
            return None
        return stored[0]


class MemoryRecoveryTokens:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    async def add(self, token: RecoveryToken) -> None:
        table: MemoryTable[str, RecoveryToken] = self.work.table("recovery_tokens")
        if token.token_hash in table:
            raise ValueError("a recovery token with this hash exists already")
        table.put(token.token_hash, token)

    async def get(self, token_hash: str) -> RecoveryToken | None:
        table: MemoryTable[str, RecoveryToken] = self.work.table("recovery_tokens")
        return table.get(token_hash)


class InMemoryDunningUnitOfWork(InMemoryUnitOfWork, DunningUnitOfWork):
    def _open_repositories(self) -> None:
        self.customers = MemoryCustomerDirectory(self)
        self.cases = MemoryCaseRepository(self)
        self.settled_invoices = MemorySettledInvoices(self)
        self.subscription_states = MemorySubscriptionStates(self)
        self.recovery_tokens = MemoryRecoveryTokens(self)
