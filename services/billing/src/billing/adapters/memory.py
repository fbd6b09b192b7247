"""Billing's unit of work in memory, for service-layer tests that need no database.

It keeps the promises of the SQL one that a use case can observe, and the contract
suite in `tests/integration/test_repositories_contract.py` holds both to them: a stale
subscription save and a save of a settled attempt raise `ConcurrentUpdate`, invoice
numbers run without gaps per year (a rollback gives them back), `claim_due` takes what
the domain says is due in id order, and `claim_pending` hands an attempt to one lease.
Unlike the database nothing is locked: two units of work open at the same time may both
take one row, so races themselves are for the SQL tests.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from billing.adapters.memory_repositories import (
    MemoryCustomers,
    MemoryInvoices,
    MemoryPaymentMethods,
    MemoryPlans,
    MemorySubscriptions,
    _MemoryRepository,
)
from billing.adapters.memory_wallet import MemoryCardWallet
from billing.domain.payment import AttemptStatus, Lease, PaymentAttempt
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.clock import Clock
from shared.failures import ConcurrentUpdate
from shared.testing.memory import InMemoryUnitOfWork, MemoryStore

__all__ = [
    "InMemoryBillingUnitOfWork",
    "MemoryCustomers",
    "MemoryInvoices",
    "MemoryPaymentAttempts",
    "MemoryPaymentMethods",
    "MemoryPlans",
    "MemoryStore",
    "MemorySubscriptions",
]


class MemoryPaymentAttempts(_MemoryRepository):
    table_name = "payment_attempts"

    async def add(self, attempt: PaymentAttempt) -> None:
        await self.add_many([attempt])

    async def add_many(self, attempts: list[PaymentAttempt]) -> None:
        for attempt in attempts:
            self._put(attempt.id, attempt)

    async def save(self, attempt: PaymentAttempt) -> None:
        await self.save_many([attempt])

    async def save_many(self, attempts: list[PaymentAttempt]) -> None:
        """Write attempts still pending where they are kept: a settled one is final."""
        for attempt in attempts:
            stored = self.table.get(attempt.id)
            if stored is None or stored.status is not AttemptStatus.PENDING:
                raise ConcurrentUpdate(f"payment attempt {attempt.id} changed concurrently")
        for attempt in attempts:
            self._put(attempt.id, attempt)

    def _pending(self) -> list[PaymentAttempt]:
        pending = [a for a in self.table.values() if a.status is AttemptStatus.PENDING]
        return sorted(pending, key=lambda a: a.created_at)

    async def get_many(self, attempt_ids: Collection[str]) -> list[PaymentAttempt]:
        return [a for a in self._all() if a.id in attempt_ids]

    async def by_idempotency_key(self, key: str) -> PaymentAttempt | None:
        return self._loaded(next((a for a in self.table.values() if a.idempotency_key == key), None))

    async def pending_for_invoice(self, invoice_id: str) -> PaymentAttempt | None:
        return self._loaded(next((a for a in self._pending() if a.invoice_id == invoice_id), None))

    async def count_for_invoice(self, invoice_id: str) -> int:
        return sum(1 for a in self.table.values() if a.invoice_id == invoice_id)

    async def count_pending(self, due_by: datetime | None = None) -> int:
        return len(self._released(due_by))

    def _released(self, due_by: datetime | None) -> list[PaymentAttempt]:
        pending = self._pending()
        return [a for a in pending if due_by is None or a.not_before is None or a.not_before <= due_by]

    async def next_held_until(self) -> datetime | None:
        return min((a.not_before for a in self._pending() if a.not_before is not None), default=None)

    async def sent_on_cards(
        self, cards: Collection[tuple[str, str]], since: datetime
    ) -> dict[tuple[str, str], list[datetime]]:
        sent: dict[tuple[str, str], list[datetime]] = {}
        for a in self.table.values():
            answered = a.status in (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED)
            key = (a.customer_id, a.gateway_payment_method or "")
            if answered and key in cards and a.settled_at and a.settled_at > since:
                sent.setdefault(key, []).append(a.settled_at)
        return sent

    async def claim_pending(
        self, lease: Lease, now: datetime, limit: int, *, due_by: datetime | None = None
    ) -> list[str]:
        """Take `lease` on the oldest pending attempts nobody holds or whose lease ran out."""
        pending = self._released(due_by)
        free = [a for a in pending if a.lease_expires_at is None or a.lease_expires_at < now]
        for attempt in free[:limit]:
            attempt.lease_owner, attempt.lease_expires_at = lease.owner, lease.expires_at
            self.table.put(attempt.id, attempt)
        return [attempt.id for attempt in free[:limit]]


class InMemoryBillingUnitOfWork(InMemoryUnitOfWork, BillingUnitOfWork):
    """Billing's unit of work on a `MemoryStore`: share one store between the units of
    work of a test, as a database is shared."""

    def __init__(self, store: MemoryStore, *, clock: Clock, source: str = "/billing") -> None:
        super().__init__(store, clock=clock, source=source)

    def _open_repositories(self) -> None:
        self.customers = MemoryCustomers(self)
        self.plans = MemoryPlans(self)
        self.payment_methods = MemoryCardWallet(self)
        self.subscriptions = MemorySubscriptions(self)
        self.invoices = MemoryInvoices(self)
        self.attempts = MemoryPaymentAttempts(self)
