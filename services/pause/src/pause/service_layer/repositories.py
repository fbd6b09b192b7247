"""What pause's use cases ask of storage, in the business's words.

The use cases see only these protocols, so the same handler runs on the database
(`pause.adapters`) and on the in-memory twin (`pause.adapters.memory`), and one contract
suite holds both to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pause.domain.cancel_intent import CancelIntent
from pause.domain.card_on_file import CardOnFile
from pause.domain.pause import BeachPause
from pause.domain.subscription_view import SubscriptionView
from shared.money import Money


@dataclass(frozen=True)
class PauseMoments:
    """The earliest start, resume, and (per plan code) resume still awaiting its reminder."""

    first_start: datetime | None
    first_resume: datetime | None
    unreminded_resumes: dict[str, datetime]


@dataclass(frozen=True)
class CreatedFacts:
    """What `subscription.created` says of a subscription: its terms, status and period."""

    plan_code: str
    price: Money
    beach_fee: Money | None
    status: str
    period_start: datetime
    period_end: datetime
    sequence: int | None
    plan_name: str | None = None


class BeachPauses(Protocol):
    async def add(self, pause: BeachPause) -> None: ...

    async def save(self, pause: BeachPause) -> None: ...

    async def get(self, pause_id: str) -> BeachPause | None: ...

    async def for_subscription(self, subscription_id: str) -> list[BeachPause]:
        """Oldest first."""
        ...

    async def for_customer(self, customer_id: str) -> list[BeachPause]:
        """Oldest first."""
        ...

    async def starting_or_resuming_by(self, moment: datetime, limit: int) -> list[tuple[BeachPause, str]]:
        """Scheduled pauses that start, and active ones that resume, by `moment`, oldest
        first, each with its subscription's plan code ("" if the replica has none yet)."""
        ...

    async def next_moments(self) -> PauseMoments: ...


class CancelIntents(Protocol):
    async def add(self, intent: CancelIntent) -> None: ...

    async def save(self, intent: CancelIntent) -> None: ...

    async def get(self, intent_id: str) -> CancelIntent | None: ...

    async def pending_for(self, subscription_id: str, since: datetime) -> list[CancelIntent]:
        """The subscription's intents still pending, recorded at `since` or later."""
        ...


class SubscriptionReplica(Protocol):
    """Pause's copy of each subscription, built from facts in any order.

    Status and period each keep the sequence of the fact they came from; a fact with an
    older sequence than the part it would change leaves it as it is, and a fact without
    a sequence (from before sequences existed) is taken as it comes.
    """

    async def get(self, subscription_id: str) -> SubscriptionView | None:
        """None until `subscription.created` said the plan and price."""
        ...

    async def of_customer(self, customer_id: str) -> list[SubscriptionView]:
        """The customer's known subscriptions, by the start of their current period."""
        ...

    async def heard_of(self, subscription_id: str, customer_id: str) -> None:
        """Make sure the subscription has a row; a first fact creates it empty."""
        ...

    async def first_heard(self, subscription_id: str, customer_id: str, facts: CreatedFacts) -> bool:
        """Keep a subscription never heard of before with everything `subscription.created`
        says, in one write; False, and nothing written, if it already has a row (a later
        fact came first), where each part's own rule must decide."""
        ...

    async def set_terms(
        self,
        subscription_id: str,
        plan_code: str,
        price: Money,
        beach_fee: Money | None,
        plan_name: str | None = None,
    ) -> None: ...

    async def set_plan(self, subscription_id: str, plan_code: str) -> None: ...

    async def set_status(self, subscription_id: str, status: str, sequence: int | None) -> None:
        """A newer status wins; a past-due status older than the newest paid invoice is
        over, so the subscription is active again."""
        ...

    async def set_period(
        self, subscription_id: str, start: datetime, end: datetime, sequence: int | None
    ) -> None: ...

    async def invoice_paid(self, subscription_id: str, sequence: int | None) -> None:
        """A paid subscription invoice ends an older `past_due`; without a sequence it
        counts as newer than the status it finds."""
        ...

    async def dunning_case(
        self, subscription_id: str, case_id: str, *, offered: bool = False, closed: bool = False
    ) -> None:
        """Record how far a case got (`offered` and `closed` only ever become true) and
        derive the subscription's open-case and open-offer flags from all its cases."""
        ...

    async def open_case_of(self, customer_id: str) -> str | None:
        """The id of one of the customer's open dunning cases, for the payment-date page."""
        ...


class CardsOnFile(Protocol):
    async def remember(
        self, customer_id: str, card: CardOnFile, updated_at: datetime, sequence: int | None
    ) -> None:
        """The newest card wins: by the customer's sequence, or without one by time."""
        ...

    async def of(self, customer_id: str) -> CardOnFile | None: ...


class BeachFeePayments(Protocol):
    async def paid(self, invoice_id: str, subscription_id: str, total: Money, paid_at: datetime) -> None:
        """Once per invoice, however often its payment is heard of."""
        ...
