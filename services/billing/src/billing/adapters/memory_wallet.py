"""The card wallet in memory: the SQL repository's promises about several cards per customer."""

from __future__ import annotations

from collections.abc import Collection

from billing.adapters.memory_repositories import MemoryPaymentMethods
from billing.domain.payment_method import PaymentMethod


class MemoryCardWallet(MemoryPaymentMethods):
    async def add_backup(self, method: PaymentMethod) -> None:
        self._put(method.id, method)

    async def of_customer(self, customer_id: str) -> list[PaymentMethod]:
        mine = [m for m in self.table.values() if m.customer_id == customer_id]
        mine.sort(key=lambda m: (not m.is_default, -m.created_at.timestamp(), m.id))
        return [self._tracked(m) for m in mine]

    async def make_default(self, method: PaymentMethod) -> None:
        for other in self.table.values():
            if other.customer_id == method.customer_id and other.id != method.id and other.is_default:
                other.is_default = False
                self.table.put(other.id, other)
        method.is_default = True
        self._put(method.id, method)

    async def remove(self, method: PaymentMethod) -> None:
        self.table.delete(method.id)

    async def backups_for(self, customer_ids: Collection[str]) -> dict[str, PaymentMethod]:
        backups = sorted(
            (m for m in self.table.values() if not m.is_default and m.customer_id in customer_ids),
            key=lambda m: (m.created_at, m.id),
        )
        return {m.customer_id: m for m in backups}

    async def has_live_subscription(self, customer_id: str) -> bool:
        return any(
            s.customer_id == customer_id and s.status.value != "canceled"
            for s in self.work.table("subscriptions").values()
        )
