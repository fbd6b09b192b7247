"""Billing's repositories in memory, but for payment attempts (in `billing.adapters.memory`).

Rows live in `MemoryTable`s, asked for on every call so a rollback drops staged writes;
a table keeps copies without events, and what a repository hands out is tracked by the
unit of work so its events are published on commit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Any, TypeVar

from billing.domain.customer import Customer
from billing.domain.invoice import CardUsed, Invoice, InvoiceStatus, invoice_number
from billing.domain.payment import AttemptStatus, PaymentAttempt
from billing.domain.payment_method import HEADS_UP_BEFORE_EXPIRY, PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.failures import ConcurrentUpdate
from shared.testing.memory import InMemoryUnitOfWork, MemoryTable

A = TypeVar("A", Customer, PaymentMethod, Subscription, Invoice, PaymentAttempt)


def _row(aggregate: A) -> A:
    """What a table keeps: the aggregate without its unpublished events."""
    row = copy.copy(aggregate)
    row.events = []
    return row


class _MemoryRepository:
    table_name = ""

    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    @property
    def table(self) -> MemoryTable[Any, Any]:
        return self.work.table(self.table_name)

    def _loaded(self, aggregate: A | None) -> A | None:
        if aggregate is not None:
            self.work.track(aggregate)
        return aggregate

    def _tracked(self, aggregate: A) -> A:
        self.work.track(aggregate)
        return aggregate

    def _all(self) -> Iterator[Any]:
        for row in self.table.values():
            self.work.track(row)
            yield row

    def _put(self, key: str, aggregate: A) -> None:
        self.table.put(key, _row(aggregate))
        self.work.track(aggregate)


class MemoryCustomers(_MemoryRepository):
    table_name = "customers"

    async def add(self, customer: Customer) -> None:
        self._put(customer.id, customer)

    async def get(self, customer_id: str) -> Customer | None:
        return self._loaded(self.table.get(customer_id))

    async def with_default_card(self, customer_id: str) -> tuple[Customer, PaymentMethod | None] | None:
        customer, cards = await self.get(customer_id), MemoryPaymentMethods(self.work)
        return None if customer is None else (customer, await cards.default_for(customer_id))

    async def get_many(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        return {c.id: c for c in self._all() if c.id in customer_ids}

    async def by_gateway_customer(self, reference: str) -> Customer | None:
        return next((c for c in self.table.values() if c.gateway_customer == reference), None)

    async def set_gateway_customer(self, customer_id: str, reference: str) -> None:
        if (row := self.table.get(customer_id)) is not None:
            row.gateway_customer = reference
            self.table.put(customer_id, row)

    async def save_locale(self, customer: Customer) -> None:
        self._put(customer.id, customer)


class MemoryPlans(_MemoryRepository):
    table_name = "plans"

    async def add(self, plan: Plan, now: datetime) -> None:
        self.table.put(plan.code, plan)

    async def get(self, code: str) -> Plan | None:
        plan: Plan | None = self.table.get(code)
        return plan


class MemoryPaymentMethods(_MemoryRepository):
    table_name = "payment_methods"

    async def add_default(self, method: PaymentMethod) -> None:
        for other in self.table.values():
            if other.customer_id == method.customer_id and other.is_default:
                other.is_default = False
                self.table.put(other.id, other)
        self._put(method.id, method)

    async def default_for(self, customer_id: str) -> PaymentMethod | None:
        return (await self.defaults_for([customer_id])).get(customer_id)

    async def defaults_for(self, customer_ids: Collection[str]) -> dict[str, PaymentMethod]:
        found = [m for m in self.table.values() if m.is_default and m.customer_id in customer_ids]
        return {m.customer_id: self._tracked(m) for m in found}

    async def save_notice(self, method: PaymentMethod) -> None:
        if (row := self.table.get(method.id)) is not None:
            row.expiring_notice_sent_at = method.expiring_notice_sent_at
            self.table.put(method.id, row)

    async def needing_expiry_notice(self, now: datetime, limit: int) -> list[PaymentMethod]:
        """As the SQL one: the month window first, then the domain's exact rule."""
        soon = now + HEADS_UP_BEFORE_EXPIRY
        window = range(now.year * 12 + now.month, soon.year * 12 + soon.month + 1)
        found = [
            m
            for m in self.table.values()
            if m.is_default and m.expiring_notice_sent_at is None and m.exp_year * 12 + m.exp_month in window
        ]
        found.sort(key=lambda m: (m.exp_year, m.exp_month))
        return [self._tracked(m) for m in found[:limit] if m.needs_expiry_heads_up(now)]


class MemorySubscriptions(_MemoryRepository):
    table_name = "subscriptions"

    async def add(self, subscription: Subscription) -> None:
        self._put(subscription.id, subscription)

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        return self._loaded(self.table.get(subscription_id))

    async def get_many(self, subscription_ids: Collection[str]) -> dict[str, Subscription]:
        return {s.id: s for s in self._all() if s.id in subscription_ids}

    async def save(self, subscription: Subscription) -> None:
        await self.save_many([subscription])

    async def save_many(self, many: list[Subscription]) -> None:
        """Write each one if nobody saved it since it was read, else write none."""
        for subscription in many:
            stored = self.table.get(subscription.id)
            if stored is None or stored.version != subscription.version:
                raise ConcurrentUpdate(f"subscription {subscription.id} changed concurrently")
        for subscription in many:
            subscription.version += 1
            self._put(subscription.id, subscription)

    def _due(self, now: datetime) -> list[Subscription]:
        """Oldest due first, renewals before beach fees, as the SQL one claims them."""
        rows = list(self.table.values())
        renewals = sorted(
            (s for s in rows if s.is_due_for_renewal(now)), key=lambda s: (s.current_period_end, s.id)
        )
        fees = [s for s in rows if s.beach_fee_due(now) and s.next_beach_fee_at is not None]
        return renewals + sorted(fees, key=lambda s: (s.next_beach_fee_at or now, s.id))

    async def claim_due(self, now: datetime, limit: int) -> list[Subscription]:
        return [self._tracked(s) for s in self._due(now)[:limit]]

    async def count_due(self, now: datetime) -> int:
        return len(self._due(now))

    async def next_due_at(self) -> datetime | None:
        """The earliest renewal or beach fee ahead, as the SQL one finds it."""
        moments = []
        for s in self.table.values():
            pause_ahead = s.scheduled_pause_starts_at is not None and (
                s.scheduled_pause_starts_at <= s.current_period_end
            )
            if s.status is SubscriptionStatus.ACTIVE and not pause_ahead:
                moments.append(s.current_period_end)
            fee_at = s.next_beach_fee_at
            owed = s.pause_resumes_at is None or (fee_at is not None and fee_at < s.pause_resumes_at)
            if s.status is SubscriptionStatus.PAUSED and fee_at is not None and owed:
                moments.append(fee_at)
        return min(moments, default=None)


class MemoryInvoices(_MemoryRepository):
    table_name = "invoices"

    async def next_numbers(self, year: int, count: int) -> list[str]:
        counters = self.work.table("invoice_counters")
        last = (counters.get(year) or 0) + count
        counters.put(year, last)
        return [invoice_number(year, n) for n in range(last - count + 1, last + 1)]

    async def add_many(self, many: list[Invoice]) -> None:
        for invoice in many:
            self._put(invoice.id, invoice)

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None:
        return self._loaded(self.table.get(invoice_id))

    async def get_many(self, invoice_ids: Collection[str], *, lock: bool = False) -> dict[str, Invoice]:
        return {i.id: i for i in self._all() if i.id in invoice_ids}

    async def save(self, invoice: Invoice) -> None:
        await self.save_many([invoice])

    async def save_many(self, many: list[Invoice]) -> None:
        for invoice in many:
            if invoice.id not in self.table:
                raise ConcurrentUpdate(f"invoice {invoice.id} changed concurrently")
        for invoice in many:
            self.table.put(invoice.id, _row(invoice))

    def _page(self, mine: Callable[[Invoice], bool], after: str | None, limit: int | None) -> list[Invoice]:
        """Matching invoices in number order after `after`; all of them without a `limit`."""
        found = sorted(
            (i for i in self.table.values() if mine(i) and (after is None or i.number > after)),
            key=lambda i: i.number,
        )
        return [self._tracked(i) for i in found[:limit]]

    async def for_subscription(self, subscription_id: str, *, after: str | None, limit: int) -> list[Invoice]:
        return self._page(lambda i: i.subscription_id == subscription_id, after, limit)

    async def open_for_subscription(self, subscription_id: str) -> list[Invoice]:
        everything = self._page(lambda i: i.subscription_id == subscription_id, None, limit=None)
        return [i for i in everything if i.status is InvoiceStatus.OPEN]

    async def for_customer(self, customer_id: str, *, after: str | None, limit: int) -> list[Invoice]:
        return self._page(lambda i: i.customer_id == customer_id, after, limit)

    async def cards_that_paid(self, invoice_ids: Collection[str]) -> dict[str, CardUsed]:
        cards = {
            (m.customer_id, m.gateway_payment_method): m for m in self.work.table("payment_methods").values()
        }
        found = {}
        for attempt in self.work.table("payment_attempts").values():
            card = cards.get((attempt.customer_id, attempt.gateway_payment_method))
            if attempt.invoice_id in invoice_ids and attempt.status is AttemptStatus.SUCCEEDED and card:
                found[attempt.invoice_id] = CardUsed(card.brand, card.last4)
        return found
