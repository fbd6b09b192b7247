"""A batch of billing's facts writes the replica together, and still ends as one at a time.

Pause's consumer reads ahead which of a batch's subscriptions have a row, and inserts
the rows of the new ones together before the batch commits. Between the read and the
insert another transaction can give one of them a row (pause's consumer of dunning's
events, another replica after a rebalance). Then the insert must not silently drop the
facts `subscription.created` carried: the batch is refused, rolled back and delivered
again, and then each fact about a subscription that has a row follows its own rule.
On PostgreSQL: on SQLite a process's writers take turns, so none can come between.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pause.adapters.orm import subscription_views
from pause.adapters.subscription_replica import SqlSubscriptionReplica
from pause.bootstrap import bootstrap
from pause.service_layer.repositories import CreatedFacts
from pause.settings import PauseSettings
from shared.backoff import Backoff
from shared.clock import TestClock
from shared.contracts.billing import SubscriptionCreated, SubscriptionPastDue
from shared.db.migrations import upgrade
from shared.failures import ConcurrentUpdate
from shared.money import Money
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.orders import Message, messages, sources
from shared.testing.services import settings_for

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PRICE, FEE = Money.of(1500, "USD"), Money.of(100, "USD")


def created(n: int) -> SubscriptionCreated:
    return SubscriptionCreated(
        subscription_id=f"sub_{n}", customer_id=f"cus_{n}", plan_code="pro", price=PRICE,
        interval="month", beach_fee=FEE, status="active", current_period_start=START,
        current_period_end=START + timedelta(days=31),
    )  # fmt: skip


async def migrated(databases: DatabaseFactory, label: str) -> Service[Any, Any]:
    service = bootstrap(
        settings_for(PauseSettings, PAUSE_DATABASE_URL=await databases.new(label)), clock=TestClock(START)
    )
    await upgrade(service.engine, "pause")
    return service


async def rows(service: Service[Any, Any]) -> list[dict[str, Any]]:
    async with service.engine.connect() as conn:
        found = await conn.execute(select(subscription_views).order_by(subscription_views.c.id))
        return [dict(row._mapping) for row in found]


async def test_a_row_made_by_another_transaction_meanwhile_refuses_the_batch(
    postgres_database: DatabaseFactory,
) -> None:
    service = await migrated(postgres_database, "replica_race")
    facts = CreatedFacts("pro", PRICE, FEE, "active", START, START + timedelta(days=31), 1, None)
    try:
        async with service.unit_of_work() as work:
            await work.subscriptions.read_ahead(["sub_1", "sub_2"])
            async with service.unit_of_work() as other:  # a fact from dunning, meanwhile
                await other.subscriptions.heard_of("sub_1", "cus_1")
                await other.commit()
            assert await work.subscriptions.first_heard("sub_1", "cus_1", facts)
            assert await work.subscriptions.first_heard("sub_2", "cus_2", facts)
            with pytest.raises(ConcurrentUpdate):
                await work.commit()
        assert [(row["id"], row["plan_code"]) for row in await rows(service)] == [("sub_1", None)]
    finally:
        await service.engine.dispose()


async def deliver(service: Service[Any, Any], batches: list[list[Message]]) -> list[dict[str, Any]]:
    """Each batch until it is taken, as the broker delivers a batch not committed again."""
    consumer = next(c for c in service.consumers if c.topic.value == "billing.events")
    consumer.backoff = Backoff(first=0.0, most=0.0)
    offset = 0
    for batch in batches:
        try:
            outcomes = await consumer.process_batch(sources(batch, offset))
        except ConcurrentUpdate:
            outcomes = await consumer.process_batch(sources(batch, offset))
        assert set(outcomes) == {"processed"}
        offset += len(batch)
    return await rows(service)


async def test_a_batch_refused_so_ends_as_one_in_order_delivery(
    postgres_database: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = messages(
        [
            created(1),
            created(2),
            SubscriptionPastDue(subscription_id="sub_2", customer_id="cus_2", invoice_id="in_2"),
        ],
        START,
        "/billing",
    )
    one_at_a_time = await migrated(postgres_database, "replica_alone")
    together = await migrated(postgres_database, "replica_together")
    read_ahead = SqlSubscriptionReplica.read_ahead
    raced: list[str] = []

    async def then_another_transaction(self: SqlSubscriptionReplica, ids: Any) -> None:
        await read_ahead(self, ids)
        if not raced:  # only the batch's first read: its redelivery is left alone
            raced.append("sub_1")
            async with together.unit_of_work() as other:
                await other.subscriptions.heard_of("sub_1", "cus_1")
                await other.commit()

    try:
        expected = await deliver(one_at_a_time, [[message] for message in stream])
        monkeypatch.setattr(SqlSubscriptionReplica, "read_ahead", then_another_transaction)
        got = await deliver(together, [stream])
        assert raced == ["sub_1"]
        assert got == expected
        assert [(row["id"], row["status"]) for row in got] == [("sub_1", "active"), ("sub_2", "past_due")]
    finally:
        await one_at_a_time.engine.dispose()
        await together.engine.dispose()
