"""What the simulated gateway remembers, in memory for unit tests or in billing's database.

Stripe keeps every idempotency key for at least 24 hours, so a charge sent again after a
crash is answered with its first outcome. The simulated gateway must do the same across
restarts and replicas, or a resent charge would count as a second one in its books: so
in a running service its ledger is a table in billing's database (`simulated_sql_ledger.SqlLedger`). It also
counts how often each key was sent, which is what the fault tests read to prove that a
charge had one sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from billing.adapters.gateways.port import ChargeRequest, ChargeResult


@dataclass(frozen=True)
class ScheduledCard:
    """The network's replacement for an expired card, due at a moment."""

    gateway_customer: str
    old_payment_method: str
    new_payment_method: str
    due_at: datetime


class Ledger(Protocol):
    async def replay(self, key: str) -> ChargeResult | None:
        """The first outcome for `key`, counting this as one more send; None if new."""

    async def record(self, request: ChargeRequest, result: ChargeResult, sent_at: datetime) -> ChargeResult:
        """Keep `result` as the outcome for the request's key, unless another sender
        recorded one first: the outcome that stands is returned, and this counts as one
        more send of the key."""

    async def refused(self, gateway_customer: str, method: str) -> int: ...

    async def count_refusal(self, gateway_customer: str, method: str) -> None: ...

    async def schedule(self, card: ScheduledCard) -> bool:
        """Schedule a replacement, once per (customer, old card); False if already done."""

    async def take_due(self, now: datetime) -> list[ScheduledCard]:
        """Replacements due by `now`, each handed out once."""

    async def count_cards(self) -> int: ...


class InMemoryLedger:
    """For unit tests and the model: forgets everything when the process ends."""

    def __init__(self) -> None:
        self.results: dict[str, ChargeResult] = {}
        self.sends: dict[str, int] = {}
        self.refusals: dict[tuple[str, str], int] = {}
        self.cards: dict[tuple[str, str], tuple[ScheduledCard, bool]] = {}

    async def replay(self, key: str) -> ChargeResult | None:
        if key in self.results:
            self.sends[key] += 1
        return self.results.get(key)

    async def record(self, request: ChargeRequest, result: ChargeResult, sent_at: datetime) -> ChargeResult:
        key = request.idempotency_key
        if key not in self.results:
            self.results[key], self.sends[key] = result, 1
        else:
            self.sends[key] += 1
        return self.results[key]

    async def refused(self, gateway_customer: str, method: str) -> int:
        return self.refusals.get((gateway_customer, method), 0)

    async def count_refusal(self, gateway_customer: str, method: str) -> None:
        key = (gateway_customer, method)
        self.refusals[key] = self.refusals.get(key, 0) + 1

    async def schedule(self, card: ScheduledCard) -> bool:
        key = (card.gateway_customer, card.old_payment_method)
        if key in self.cards:
            return False
        self.cards[key] = (card, False)
        return True

    async def take_due(self, now: datetime) -> list[ScheduledCard]:
        due = [card for card, taken in self.cards.values() if not taken and card.due_at <= now]
        for card in due:
            self.cards[(card.gateway_customer, card.old_payment_method)] = (card, True)
        return due

    async def count_cards(self) -> int:
        return len(self.cards)
