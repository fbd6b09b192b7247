"""Pause's replicas end as one in-order delivery leaves them, however the facts arrive.

Billing's events about a customer and a subscription, and dunning's about its cases, are
delivered in any order, some twice, in batches of any size, through pause's real
consumers on a real database (SQLite; the statements are the same on PostgreSQL). The
replica each consumer builds must equal what the in-order delivery builds.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from billing.domain.periods import period
from pause.adapters.orm import cards_on_file, customer_profiles, dunning_case_views, subscription_views
from pause.bootstrap import bootstrap
from pause.settings import PauseSettings
from shared.clock import TestClock
from shared.contracts.base import EventData
from shared.contracts.billing import (
    CustomerCreated,
    InvoicePaid,
    PaymentMethodUpdated,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from shared.contracts.dunning import (
    CaseOutcome,
    DeclineClass,
    DunningCaseClosed,
    DunningCaseOpened,
    DunningReminderSent,
)
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.messaging.dead_letters import SourceInfo
from shared.money import Money
from shared.service import Service
from shared.testing.databases import DatabaseFactory, MigratedCopies
from shared.testing.orders import Message, deliveries, in_order, messages, sources
from shared.testing.services import settings_for

START = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
PRICE, FEE = Money.of(1500, "USD"), Money.of(100, "USD")
STEPS = ("renew", "fail", "pay", "pause", "resume", "card", "case", "offer", "close", "cancel")
numbers = itertools.count()


class NoDeadLetters:
    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        raise AssertionError(f"nothing here should be dead-lettered: {headers}")


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> MigratedCopies:
    return MigratedCopies(tmp_path_factory.mktemp("replica"), "pause")


def lifecycle(steps: Sequence[str]) -> tuple[str, list[EventData], list[EventData]]:
    """A subscription's life as billing and dunning tell it, in the order they publish.
    Steps that cannot happen in the state reached are skipped."""
    n = next(numbers)
    customer, subscription = f"cus_{n}", f"sub_{n}"
    ids = {"subscription_id": subscription, "customer_id": customer}
    first = period(START, 0, "month")
    billing: list[EventData] = [
        CustomerCreated(
            customer_id=customer, email="a@example.com", name="A", timezone="UTC", created_at=START
        ),
        SubscriptionCreated(
            **ids,
            plan_code="pro",
            price=PRICE,
            interval="month",
            beach_fee=FEE,
            status="active",
            current_period_start=first[0],
            current_period_end=first[1],
        ),
    ]
    dunning: list[EventData] = []
    life = Life(status="active", index=0, case=None, cards=0)
    for step in steps:
        happened = life.step(step, n, ids, START + timedelta(days=len(billing) + len(dunning)))
        if happened is not None:
            (dunning if happened.topic.value == "dunning.events" else billing).append(happened)
    return subscription, billing, dunning


@dataclass
class Life:
    """Where the subscription stands while its life is written down."""

    status: str
    index: int
    case: str | None
    cards: int

    def step(self, step: str, n: int, ids: dict[str, str], at: datetime) -> EventData | None:
        invoice = f"in_{n}_{self.index}"
        case_ids = {**ids, "case_id": self.case or f"dc_{n}_{self.index}", "invoice_id": invoice}
        if step == "renew" and self.status == "active":
            self.index += 1
            start, end = period(START, self.index, "month")
            return SubscriptionRenewed(
                **ids, plan_code="pro", invoice_id=invoice, current_period_start=start, current_period_end=end
            )
        if step == "fail" and self.status == "active":
            self.status = "past_due"
            return SubscriptionPastDue(**ids, invoice_id=invoice, decline_code="expired_card")
        if step == "pay" and self.status == "past_due":
            self.status = "active"
            return InvoicePaid(**ids, invoice_id=invoice, number="2026-000001", total=PRICE, paid_at=at)
        if step == "pause" and self.status in ("active", "past_due"):
            self.status = "paused"
            return SubscriptionPaused(
                **ids, pause_id=f"bp_{n}", paused_at=at, resumes_at=at + timedelta(days=30)
            )
        if step == "resume" and self.status == "paused":
            self.status, self.index = "active", 0
            start, end = period(at, 0, "month")
            return SubscriptionResumed(
                **ids, pause_id=f"bp_{n}", current_period_start=start, current_period_end=end
            )
        if step == "card":
            self.cards += 1
            return PaymentMethodUpdated(
                customer_id=ids["customer_id"],
                payment_method_id=f"pm_{n}_{self.cards}",
                brand="visa",
                last4=f"{self.cards:04d}",
                exp_month=12,
                exp_year=2030,
                source="customer",
            )
        if step == "case" and self.case is None and self.status == "past_due":
            self.case = case_ids["case_id"]
            return DunningCaseOpened(
                **case_ids,
                amount_due=PRICE,
                decline_code="expired_card",
                decline_class=DeclineClass.EXPIRED_CARD,
                policy_version="gentle-v1",
                variant="gentle",
                opened_at=at,
            )
        if step == "offer" and self.case is not None:
            return DunningReminderSent(
                **case_ids, reminder_number=1, template_id="dunning.beach_offer", sent_at=at, amount_due=PRICE
            )
        if step == "close" and self.case is not None:
            self.case = None
            return DunningCaseClosed(
                **case_ids,
                outcome=CaseOutcome.RECOVERED,
                closed_at=at,
                reminders_sent=1,
                retries=1,
                amount_due=PRICE,
            )
        if step == "cancel" and self.status != "canceled":
            self.status = "canceled"
            return SubscriptionCanceled(**ids, canceled_at=at, reason="moving", requested_by="customer")
        return None


async def replica(service: Service[Any, Any], subscription: str, customer: str) -> dict[str, Any]:
    """Everything pause keeps about this customer and subscription."""
    async with service.engine.connect() as conn:
        view = (
            await conn.execute(select(subscription_views).where(subscription_views.c.id == subscription))
        ).first()
        card = (
            await conn.execute(select(cards_on_file).where(cards_on_file.c.customer_id == customer))
        ).first()
        profile = (
            await conn.execute(select(customer_profiles).where(customer_profiles.c.id == customer))
        ).first()
        cases = (
            await conn.execute(
                select(
                    dunning_case_views.c.case_id, dunning_case_views.c.offered, dunning_case_views.c.closed
                )
                .where(dunning_case_views.c.subscription_id == subscription)
                .order_by(dunning_case_views.c.case_id)
            )
        ).all()
    shown = {}
    if view is not None:
        shown = {k: v for k, v in view._mapping.items() if not k.endswith("_sequence")}
    return {
        "subscription": shown,
        "card": card.last4 if card else None,
        "profile": profile.timezone if profile else None,
        "cases": [tuple(case) for case in cases],
    }


async def deliver(url: str, subscription: str, customer: str, batches: list[list[Message]]) -> dict[str, Any]:
    service = bootstrap(settings_for(PauseSettings, PAUSE_DATABASE_URL=url), clock=TestClock(START))
    for consumer in service.consumers:
        consumer.dead_letters = NoDeadLetters()
    by_topic = {c.topic.value: c for c in service.consumers}
    try:
        offset = 0
        for batch in batches:
            for topic in {m.topic for m in batch}:
                mine = [m for m in batch if m.topic == topic]
                await by_topic[topic].process_batch(sources(mine, offset))
                offset += len(mine)
        return await replica(service, subscription, customer)
    finally:
        await service.engine.dispose()


@st.composite
def lives_and_deliveries(draw: st.DrawFn) -> tuple[str, list[Message], list[list[Message]]]:
    subscription, billing, dunning = lifecycle(draw(st.lists(st.sampled_from(STEPS), max_size=10)))
    stream = messages(billing, START, "/billing") + messages(dunning, START, "/dunning")
    return subscription, stream, draw(deliveries(stream))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=lives_and_deliveries())
def test_any_order_with_duplicates_ends_as_the_in_order_delivery(
    databases: MigratedCopies, case: tuple[str, list[Message], list[list[Message]]]
) -> None:
    subscription, stream, delivered = case
    customer = subscription.replace("sub_", "cus_")

    expected = asyncio.run(deliver(databases.fresh(), subscription, customer, in_order(stream)))
    got = asyncio.run(deliver(databases.fresh(), subscription, customer, delivered))

    assert got == expected


async def _migrated_pair(factory: DatabaseFactory) -> tuple[str, str]:
    urls = (await factory.new("replica_in_order"), await factory.new("replica_delivered"))
    for url in urls:
        engine = create_engine(url)
        await upgrade(engine, "pause")
        await engine.dispose()
    return urls


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=lives_and_deliveries())
def test_any_order_with_duplicates_ends_as_the_in_order_delivery_on_postgresql(
    postgres_database: DatabaseFactory, case: tuple[str, list[Message], list[list[Message]]]
) -> None:
    """On PostgreSQL a batch's renewals wait and go out together (`UPDATE … FROM unnest`),
    which SQLite's one statement per rule never shows. Each example's subscription and
    customer are its own, so two databases serve every example: one for the in-order
    delivery, one for the delivery drawn."""
    subscription, stream, delivered = case
    customer = subscription.replace("sub_", "cus_")
    if not postgres_database.created:
        asyncio.run(_migrated_pair(postgres_database))
    in_order_db, delivered_db = postgres_database.created

    expected = asyncio.run(deliver(in_order_db, subscription, customer, in_order(stream)))
    got = asyncio.run(deliver(delivered_db, subscription, customer, delivered))

    assert got == expected


def test_a_renewal_that_arrives_before_the_subscription_keeps_the_renewed_period(
    databases: MigratedCopies,
) -> None:
    """What broke before: `subscription.renewed` before `subscription.created` left the
    first period in the replica."""
    subscription, billing, _ = lifecycle(["renew"])
    customer = subscription.replace("sub_", "cus_")
    created, renewed = messages(billing, START, "/billing")[1:]

    state = asyncio.run(deliver(databases.fresh(), subscription, customer, [[renewed], [created]]))

    assert state["subscription"]["current_period_start"] == period(START, 1, "month")[0]
    assert state["subscription"]["plan_code"] == "pro"
    assert state["subscription"]["price_amount"] == 1500


def test_two_renewals_in_one_batch_newest_last_or_first_leave_the_newest_period_on_postgresql(
    postgres_database: DatabaseFactory,
) -> None:
    """Renewals wait for the batch's write on PostgreSQL; a second one of the same
    subscription must not take the first one's place unless it is newer."""
    subscription, billing, _ = lifecycle(["renew", "renew"])
    customer = subscription.replace("sub_", "cus_")
    first, created, older, newer = messages(billing, START, "/billing")
    in_order_db, delivered_db = asyncio.run(_migrated_pair(postgres_database))

    expected = asyncio.run(deliver(in_order_db, subscription, customer, [[first, created, older, newer]]))
    got = asyncio.run(deliver(delivered_db, subscription, customer, [[first, created], [newer, older]]))

    assert got == expected
    assert got["subscription"]["current_period_start"] == period(START, 2, "month")[0]


@pytest.mark.parametrize("together", [True, False], ids=["one batch", "two batches"])
@pytest.mark.parametrize("paid_first", [False, True], ids=["in order", "paid first"])
def test_the_paid_invoice_of_a_past_due_subscription_leaves_it_active(
    each_database: DatabaseFactory, together: bool, paid_first: bool
) -> None:
    """Whatever the order and the batches: on PostgreSQL the paid invoice waits for the
    batch's write, and must still end `past_due`."""
    subscription, billing, _ = lifecycle(["fail", "pay"])
    customer = subscription.replace("sub_", "cus_")
    first, created, past_due, paid = messages(billing, START, "/billing")
    facts = [paid, past_due] if paid_first else [past_due, paid]
    url, _ = asyncio.run(_migrated_pair(each_database))

    batches = [[first, created, *facts]] if together else [[first, created], facts[:1], facts[1:]]
    state = asyncio.run(deliver(url, subscription, customer, batches))

    assert state["subscription"]["status"] == "active"
