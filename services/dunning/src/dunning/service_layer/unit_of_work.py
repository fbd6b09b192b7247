"""Dunning's unit of work: what a use case may read and change, whatever keeps it.

`DunningUnitOfWork` is the seam the handlers see; its repositories are protocols, so
the SQL unit of work in `dunning.adapters.unit_of_work` and the in-memory one in `dunning.adapters.memory` are
interchangeable, and a service-layer test on the memory one needs no database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from dunning.domain.case import DunningCase
from dunning.domain.recovery_link import RecoveryToken
from shared.customers.profiles import CustomerProfiles
from shared.unit_of_work import UnitOfWork


class CaseRepository(Protocol):
    """Cases with the moment each next needs attention. `save` refuses a case read
    before someone else saved it (`shared.failures.ConcurrentUpdate`)."""

    async def add(self, case: DunningCase, next_due_at: datetime | None) -> None: ...

    async def save(self, case: DunningCase, next_due_at: datetime | None) -> None: ...

    async def by_invoice(self, invoice_id: str) -> DunningCase | None: ...

    async def get(self, case_id: str) -> DunningCase | None: ...

    async def open_for(
        self, *, subscription_id: str | None = None, customer_id: str | None = None
    ) -> list[DunningCase]: ...

    async def due(self, now: datetime, limit: int, *, lock: bool = True) -> list[DunningCase]: ...

    async def retention_due(self, now: datetime, limit: int) -> list[DunningCase]:
        """Closed cases whose 30-day retention check has come, oldest first."""

    async def next_due_at(self) -> datetime | None:
        """The earliest moment an open case or a retention check needs attention."""

    async def count_due(self, now: datetime) -> int: ...


class SettledInvoiceRepository(Protocol):
    async def remember(self, invoice_id: str, subscription_id: str, paid_at: datetime) -> None: ...

    async def is_paid(self, invoice_id: str) -> bool: ...


class SubscriptionStateRepository(Protocol):
    async def remember(self, subscription_id: str, status: str, sequence: int | None) -> None: ...

    async def ended_after(self, subscription_id: str, sequence: int | None) -> str | None: ...

    async def latest_status(self, subscription_id: str) -> str | None:
        """`paused` or `canceled`, the newest fact billing reported; None if neither."""


class RecoveryTokenRepository(Protocol):
    """The stored halves of recovery links, by the hash of their token."""

    async def add(self, token: RecoveryToken) -> None: ...

    async def get(self, token_hash: str) -> RecoveryToken | None: ...


class DunningUnitOfWork(UnitOfWork):
    customers: CustomerProfiles
    cases: CaseRepository
    settled_invoices: SettledInvoiceRepository
    subscription_states: SubscriptionStateRepository
    recovery_tokens: RecoveryTokenRepository
