"""Billing applies a batch of dunning's cancels and pause's facts as one message at a time.

The consumer locks and reads the batch's subscriptions together before handling it. What
the subscriptions end as must not depend on that: several messages about one
subscription in one batch, a message redelivered in the same batch, a subscription
nobody knows, all end as delivering the messages one by one would, on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import event

from billing.adapters.orm import messaging
from billing.bootstrap import bootstrap
from billing.domain.invoice import Invoice, InvoiceLine
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.contracts.base import EventData
from shared.contracts.billing import ChargeContext
from shared.contracts.commands import CancelSubscription
from shared.contracts.pause import PauseStarted
from shared.db.migrations import upgrade
from shared.messaging.dead_letters import SourceInfo
from shared.money import Money
from shared.testing.databases import DatabaseFactory
from shared.testing.orders import Message, messages, sources
from shared.testing.services import settings_for

START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PRO = Plan.define(code="pro", name="Pro", amount=1500, currency="USD", interval="month")
IDS = [f"sub_{i}" for i in range(4)]


class DeadLetters:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        self.reasons.append(headers["dlq-reason"])


class NoGateway:
    name = "none"


def cancel(subscription: str, reason: str = "window ended") -> CancelSubscription:
    return CancelSubscription(
        subscription_id=subscription, customer_id="cus_1", reason=reason, requested_by="dunning",
        case_id=f"case_{subscription}", requested_at=START + timedelta(days=20),
    )  # fmt: skip


def started(subscription: str) -> PauseStarted:
    return PauseStarted(
        pause_id=f"bp_{subscription}", subscription_id=subscription, customer_id="cus_1",
        starts_at=START + timedelta(days=10), resumes_at=START + timedelta(days=40),
        fee_per_month=Money.of(90, "USD"),
    )  # fmt: skip


async def end_state(
    url: str, batches: list[list[Message]], statements: list[str] | None = None
) -> tuple[dict[str, Any], int, list[str]]:
    """Each subscription's status, pause and version, the events billing wrote, what it
    dead-lettered; `statements` gets what the batches sent the database."""
    settings = settings_for(BillingSettings, BILLING_DATABASE_URL=url)
    service = bootstrap(settings, clock=TestClock(START + timedelta(days=20)), gateway=NoGateway())  # type: ignore[arg-type]
    dead_letters = DeadLetters()
    for consumer in service.consumers:
        consumer.dead_letters = dead_letters
        consumer.retry_delays = (0.0,) * len(consumer.retry_delays)
    try:
        await upgrade(service.engine, "billing")
        async with service.unit_of_work() as work:
            for subscription_id in IDS[:3]:  # the last one billing never heard of
                subscription = Subscription.start(customer_id="cus_1", plan=PRO, now=START)
                subscription.id = subscription_id
                await work.subscriptions.add(subscription)
            await work.invoices.add_many(open_invoices())
            await work.commit()
        note = partial(_note, statements if statements is not None else [])
        event.listen(service.engine.sync_engine, "before_cursor_execute", note)
        by_topic = {c.topic.value: c for c in service.consumers}
        offsets = dict.fromkeys(by_topic, 0)
        for batch in batches:
            topic = batch[0].topic
            await by_topic[topic].process_batch(sources(batch, offsets[topic]))
            offsets[topic] += len(batch)
        event.remove(service.engine.sync_engine, "before_cursor_execute", note)
        async with service.unit_of_work().read_only() as work:
            found = {s: await work.subscriptions.get(s) for s in IDS[:3]}
            invoices = {
                s: [i.status.value for i in await work.invoices.for_subscription(s, after=None, limit=9)]
                for s in IDS[:3]
            }
        async with service.engine.connect() as conn:
            written = len((await conn.execute(messaging.outbox.select())).all())
        states = {
            s: (f.status.value, f.pause_id, f.version, *invoices[s])
            for s, f in found.items()
            if f is not None
        }
        return states, written, sorted(dead_letters.reasons)
    finally:
        await service.engine.dispose()


def _note(statements: list[str], *args: Any) -> None:
    statements.append(args[2])  # (connection, cursor, statement, ...)


def open_invoices() -> list[Invoice]:
    """One open invoice for the first subscription, two for the third, none for the second:
    a cancel makes each open one uncollectible."""
    line = InvoiceLine(description="Pro", amount=PRO.price, period_start=START, period_end=START)
    return [
        Invoice.issue(
            number=f"2026-00000{n}",
            customer_id="cus_1",
            subscription_id=subscription,
            lines=[line],
            context=ChargeContext.SUBSCRIPTION,
            now=START,
        )
        for n, subscription in enumerate([IDS[0], IDS[2], IDS[2]], start=1)
    ]


def stream(*facts: EventData) -> list[Message]:
    return messages(list(facts), START, "/dunning")


async def test_a_batch_of_cancels_ends_as_one_at_a_time(each_database: DatabaseFactory) -> None:
    pauses = stream(started(IDS[0]), started(IDS[1]))
    cancels = stream(cancel(IDS[1]), cancel(IDS[2]), cancel(IDS[2]), cancel(IDS[3]), cancel(IDS[0]))
    one_by_one = [[pauses[0]], [pauses[1]], *([m] for m in cancels)]
    together = [pauses, [cancels[0], cancels[1], cancels[2], cancels[3], cancels[4], cancels[1]]]

    expected = await end_state(await each_database.new("one_by_one"), one_by_one)
    got = await end_state(await each_database.new("together"), together)

    assert got == expected
    states, _, dead = got
    assert states == {
        IDS[0]: ("canceled", "bp_sub_0", 2, "uncollectible"),
        IDS[1]: ("canceled", "bp_sub_1", 2),
        IDS[2]: ("canceled", None, 1, "uncollectible", "uncollectible"),
    }
    assert len(dead) == 1, (
        "the cancel of a subscription billing does not know is dead-lettered with its reason"
    )


async def test_a_batch_of_cancels_writes_its_subscriptions_in_one_statement(
    each_database: DatabaseFactory,
) -> None:
    """The subscriptions a batch's cancels save wait and go out together; a second cancel
    of one of them in the same batch has them sent first and reads it canceled, and the
    batch ends as the messages would one at a time."""
    cancels = stream(cancel(IDS[0]), cancel(IDS[2]), cancel(IDS[1]), cancel(IDS[2], "asked again"))
    expected = await end_state(await each_database.new("one_by_one"), [[m] for m in cancels])
    statements: list[str] = []
    got = await end_state(await each_database.new("together"), [cancels], statements)

    assert got == expected
    assert got[0] == {
        IDS[0]: ("canceled", None, 1, "uncollectible"),
        IDS[1]: ("canceled", None, 1),
        IDS[2]: ("canceled", None, 1, "uncollectible", "uncollectible"),
    }
    subscriptions = [
        s
        for s in statements
        if s.lstrip().upper().startswith(("UPDATE SUBSCRIPTIONS", "SELECT SUBSCRIPTIONS"))
    ]
    kinds = [s.split()[0].upper() for s in subscriptions]
    assert kinds == ["SELECT", "UPDATE", "SELECT"], (
        "read ahead together; the three cancels' saves in one statement, sent before the"
        " second cancel of one of them reads it again"
    )
