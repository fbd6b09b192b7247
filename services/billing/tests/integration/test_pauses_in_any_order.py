"""Billing ends a subscription's pause as one in-order delivery of pause's facts would.

Pause's facts about one subscription (scheduled, started, extended, ended or called off)
supersede each other, so billing applies one only if it is newer than every one applied
before. Delivered in any order, some twice, in batches, the subscription's pause state
(paused or not, which pause, until when, at what fee) must end as in order: an old
`pause.started` redelivered after `pause.ended` can never put a subscription on the
beach for good. (The period that starts on resuming is left out of the comparison: when
the end arrives before the start, billing learns of a pause that is already over, and
there is nothing to resume.)
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.bootstrap import bootstrap
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.contracts.base import EventData
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted
from shared.messaging.dead_letters import SourceInfo
from shared.money import Money
from shared.testing.databases import MigratedCopies
from shared.testing.orders import Message, deliveries, in_order, messages, sources
from shared.testing.services import settings_for

START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PRO = Plan.define(code="pro", name="Pro", amount=1500, currency="USD", interval="month")
AGREED_FEE = Money.of(90, "USD")
numbers = itertools.count()


class NoDeadLetters:
    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        raise AssertionError(f"nothing here should be dead-lettered: {headers}")


class NoGateway:
    name = "none"


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> MigratedCopies:
    return MigratedCopies(tmp_path_factory.mktemp("pauses"), "billing")


def pause_life(subscription: str, extensions: int, ending: str, scheduled: bool) -> list[EventData]:
    ids = {"pause_id": "bp_1", "subscription_id": subscription, "customer_id": "cus_1"}
    starts, resumes = START + timedelta(days=10), START + timedelta(days=40)
    events: list[EventData] = []
    if scheduled:
        events.append(
            PauseScheduled(
                **ids,
                months=1,
                starts_at=starts,
                resumes_at=resumes,
                fee_per_month=AGREED_FEE,
                source="portal",
            )
        )
    if ending == "canceled" and scheduled:
        return [
            *events,
            PauseCanceled(**ids, canceled_at=starts - timedelta(days=1), reason="changed my mind"),
        ]
    events.append(PauseStarted(**ids, starts_at=starts, resumes_at=resumes, fee_per_month=AGREED_FEE))
    for more in range(extensions):
        later = resumes + timedelta(days=30)
        events.append(
            PauseExtended(
                **ids,
                months=2 + more,
                previous_resumes_at=resumes,
                resumes_at=later,
                starts_at=starts,
                fee_per_month=AGREED_FEE,
                running=True,
            )
        )
        resumes = later
    if ending == "ended":
        events.append(PauseEnded(**ids, ended_at=resumes - timedelta(days=5), reason="early"))
    return events


async def pause_state(url: str, subscription_id: str, batches: list[list[Message]]) -> dict[str, Any]:
    settings = settings_for(BillingSettings, BILLING_DATABASE_URL=url)
    service = bootstrap(settings, clock=TestClock(START + timedelta(days=60)), gateway=NoGateway())  # type: ignore[arg-type]
    consumer = next(c for c in service.consumers if c.topic.value == "pause.events")
    consumer.dead_letters = NoDeadLetters()
    try:
        async with service.unit_of_work() as work:
            subscription = Subscription.start(customer_id="cus_1", plan=PRO, now=START)
            subscription.id = subscription_id
            await work.subscriptions.add(subscription)
            await work.commit()
        offset = 0
        for batch in batches:
            await consumer.process_batch(sources(batch, offset))
            offset += len(batch)
        async with service.unit_of_work().read_only() as work:
            final = await work.subscriptions.get(subscription_id)
        assert final is not None
        return {
            "status": final.status.value,
            "pause_id": final.pause_id,
            "resumes_at": final.pause_resumes_at,
            "scheduled": final.scheduled_pause_id,
            "fee": final.beach_fee if final.pause_id else None,
        }
    finally:
        await service.engine.dispose()


@st.composite
def lives_and_deliveries(draw: st.DrawFn) -> tuple[str, list[Message], list[list[Message]]]:
    subscription = f"sub_{next(numbers)}"
    life = pause_life(
        subscription,
        extensions=draw(st.integers(0, 2)),
        ending=draw(st.sampled_from(["ended", "canceled", "running"])),
        scheduled=draw(st.booleans()),
    )
    stream = messages(life, START, "/pause")
    return subscription, stream, draw(deliveries(stream))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=lives_and_deliveries())
def test_any_order_with_duplicates_leaves_the_pause_as_the_in_order_delivery(
    databases: MigratedCopies, case: tuple[str, list[Message], list[list[Message]]]
) -> None:
    subscription, stream, delivered = case

    expected = asyncio.run(pause_state(databases.fresh(), subscription, in_order(stream)))
    got = asyncio.run(pause_state(databases.fresh(), subscription, delivered))

    assert got == expected


def test_a_start_redelivered_after_the_end_never_puts_the_subscription_back_on_the_beach(
    databases: MigratedCopies,
) -> None:
    started, ended = messages(pause_life("sub_late", 0, "ended", scheduled=False), START, "/pause")

    state = asyncio.run(pause_state(databases.fresh(), "sub_late", [[started], [ended], [started]]))
    reordered = asyncio.run(pause_state(databases.fresh(), "sub_late", [[ended], [started]]))

    assert state["status"] == reordered["status"] == "active"
    assert reordered["pause_id"] is None
