"""What the service layer asks of billing's repositories, one Protocol per aggregate.

The SQL repositories in `billing.adapters.repositories` and the in-memory ones in
`billing.adapters.memory` both satisfy these; a use case sees only these methods.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from billing.domain.customer import Customer
from billing.domain.invoice import CardUsed, Invoice
from billing.domain.payment import Lease, PaymentAttempt
from billing.domain.payment_method import PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription


class Customers(Protocol):
    async def add(self, customer: Customer) -> None: ...

    async def get(self, customer_id: str) -> Customer | None: ...

    async def with_default_card(self, customer_id: str) -> tuple[Customer, PaymentMethod | None] | None:
        """The customer (None: no such customer) and their default card, if they have one."""

    async def get_many(self, customer_ids: Collection[str]) -> dict[str, Customer]: ...

    async def by_gateway_customer(self, reference: str) -> Customer | None: ...

    async def set_gateway_customer(self, customer_id: str, reference: str) -> None: ...

    async def save_locale(self, customer: Customer) -> None: ...


class Plans(Protocol):
    async def add(self, plan: Plan, now: datetime) -> None: ...

    async def get(self, code: str) -> Plan | None: ...


class PaymentMethods(Protocol):
    async def add_default(self, method: PaymentMethod) -> None:
        """The new card becomes the customer's default; their other cards stop being it."""

    async def default_for(self, customer_id: str) -> PaymentMethod | None: ...

    async def defaults_for(self, customer_ids: Collection[str]) -> dict[str, PaymentMethod]: ...

    async def save_notice(self, method: PaymentMethod) -> None: ...

    async def needing_expiry_notice(self, now: datetime, limit: int) -> list[PaymentMethod]: ...

    async def add_backup(self, method: PaymentMethod) -> None:
        """A card beside the default, which stays the default."""

    async def of_customer(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's cards, the default first, then newest first."""
        ...

    async def make_default(self, method: PaymentMethod) -> None:
        """This card becomes the default; the customer's other cards stop being it."""

    async def remove(self, method: PaymentMethod) -> None: ...

    async def backups_for(self, customer_ids: Collection[str]) -> dict[str, PaymentMethod]:
        """Each customer's newest card that is not the default; customers with none are left out."""
        ...

    async def has_live_subscription(self, customer_id: str) -> bool:
        """Whether a subscription still charges this customer (anything not canceled)."""
        ...


class Subscriptions(Protocol):
    async def add(self, subscription: Subscription) -> None: ...

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None: ...

    async def get_many(self, subscription_ids: Collection[str]) -> dict[str, Subscription]: ...

    async def save(self, subscription: Subscription) -> None:
        """Raises `ConcurrentUpdate` if someone saved it since it was read."""

    async def save_many(self, many: list[Subscription]) -> None: ...

    async def claim_due(self, now: datetime, limit: int) -> list[Subscription]:
        """Up to `limit` subscriptions with a renewal or a beach fee due, in id order."""

    async def count_due(self, now: datetime) -> int: ...

    async def next_due_at(self) -> datetime | None: ...


class Invoices(Protocol):
    async def next_numbers(self, year: int, count: int) -> list[str]:
        """The year's next `count` numbers, gapless: a rollback gives them back."""

    async def add_many(self, many: list[Invoice]) -> None: ...

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None: ...

    async def get_many(self, invoice_ids: Collection[str], *, lock: bool = False) -> dict[str, Invoice]: ...

    async def save(self, invoice: Invoice) -> None: ...

    async def save_many(self, many: list[Invoice]) -> None: ...

    async def for_subscription(
        self, subscription_id: str, *, after: str | None, limit: int
    ) -> list[Invoice]: ...

    async def for_customer(self, customer_id: str, *, after: str | None, limit: int) -> list[Invoice]: ...

    async def open_for_subscription(self, subscription_id: str) -> list[Invoice]:
        """The subscription's invoices still open, oldest number first."""
        ...

    async def cards_that_paid(self, invoice_ids: Collection[str]) -> dict[str, CardUsed]:
        """The card each paid invoice was paid with, by invoice id (for receipts)."""


class PaymentAttempts(Protocol):
    async def add(self, attempt: PaymentAttempt) -> None: ...

    async def add_many(self, attempts: list[PaymentAttempt]) -> None: ...

    async def save(self, attempt: PaymentAttempt) -> None:
        """Raises `ConcurrentUpdate` unless the attempt is still pending where it is kept."""

    async def save_many(self, attempts: list[PaymentAttempt]) -> None: ...

    async def get_many(self, attempt_ids: Collection[str]) -> list[PaymentAttempt]: ...

    async def by_idempotency_key(self, key: str) -> PaymentAttempt | None: ...

    async def pending_for_invoice(self, invoice_id: str) -> PaymentAttempt | None: ...

    async def count_for_invoice(self, invoice_id: str) -> int: ...

    async def count_pending(self, due_by: datetime | None = None) -> int:
        """Pending attempts; with `due_by`, only those the retry budget lets go by then."""
        ...

    async def next_held_until(self) -> datetime | None:
        """The earliest moment a charge held back by its card's retry budget may go."""
        ...

    async def sent_on_cards(
        self, cards: Collection[tuple[str, str]], since: datetime
    ) -> dict[tuple[str, str], list[datetime]]:
        """When charges were sent (and answered) since `since` on each card, named as
        (customer id, gateway payment method): a test card id is shared by every
        customer of the simulated gateway, a real card belongs to one customer."""
        ...

    async def claim_pending(
        self, lease: Lease, now: datetime, limit: int, *, due_by: datetime | None = None
    ) -> list[str]:
        """Take `lease` on up to `limit` pending attempts nobody holds (or whose lease ran out);
        with `due_by` (the service's clock; `now` is the wall clock of leases), not those
        the retry budget holds back beyond it."""
