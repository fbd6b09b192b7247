"""The relay notices when the broker lost what it acknowledged, and republishes on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.e2e.stack import read_all

from billing.adapters.orm import messaging
from shared.contracts import new_event
from shared.contracts.billing import CustomerCreated
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.delivery_counts import DeliveryCounts
from shared.messaging.broker import KafkaBatchPublisher
from shared.messaging.probe import KafkaMarkProbe
from shared.messaging.topics import ensure_topics, load_topics
from shared.outbox import Outbox, OutboxRelay
from shared.outbox.broker_marks import BrokerMarks
from shared.stack.broker import EmbeddedBroker
from shared.testing.brokers import free_port
from shared.testing.databases import DatabaseFactory

pytestmark = pytest.mark.broker
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def customer(n: int) -> tuple:  # type: ignore[type-arg]
    data = CustomerCreated(
        customer_id=f"cus_{n}", email=f"c{n}@example.com", name="C", timezone="UTC", created_at=T0
    )
    return new_event(data, source="/billing", time=T0), "billing.events"


@pytest.fixture
async def engine(databases: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await databases.new("loss"))
    await upgrade(engine, "billing")
    yield engine
    await engine.dispose()


async def test_a_broker_restarted_empty_gets_every_kept_event_again_and_readiness_waits(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    broker_process = EmbeddedBroker(port=free_port(), log_file=tmp_path / "broker.log")
    broker_process.start()
    servers = broker_process.bootstrap_servers
    await ensure_topics(servers, load_topics())
    outbox = Outbox(messaging.outbox, DeliveryCounts(messaging.counts))
    async with engine.begin() as connection:
        await outbox.add(connection, [customer(n) for n in range(5)])
    probe = KafkaMarkProbe(servers)

    async def topics_again() -> None:
        await ensure_topics(servers, load_topics())

    publisher = KafkaBatchPublisher(servers, client_id="billing")
    relay = OutboxRelay(
        engine, outbox, publisher, marks=BrokerMarks(messaging.broker_marks), probe=probe,
        recreate_topics=topics_again,
    )  # fmt: skip
    try:
        assert await relay.drain() == 5
        assert await relay.check_broker()

        broker_process.stop()
        broker_process.start()  # the same address, nothing kept; the relay's producer stays

        assert await relay.check_broker(), "once could be the broker's metadata lagging"
        assert not await relay.check_broker(), "twice in a row is a loss"
        assert relay.healing
        assert await relay.pending() == 5
        assert await relay.drain() == 5
        await relay.publish_once()
        assert not relay.healing, "healed once everything kept went out again"
        again = await read_all(servers, "billing.events")
        assert sorted(e["data"]["customer_id"] for e in again) == [f"cus_{n}" for n in range(5)]
        async with engine.connect() as conn:
            counts = await DeliveryCounts(messaging.counts).read(conn)
        assert counts["published:billing.events"] == 5, "republished, not counted twice"
    finally:
        await relay.close()
        broker_process.stop()
