"""The adapters every service wires the same way: clock, database, broker, outbox, inbox.

Each service's `bootstrap.py` asks for these, then adds only what is its own: its
unit of work, consumers and HTTP routers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock, clock_for
from shared.db import create_engine
from shared.db.tables import MessagingTables
from shared.delivery_counts import DeliveryCounts
from shared.http.auth import ApiKeys
from shared.inbox import Inbox
from shared.messaging.broker import KafkaBatchPublisher, create_broker
from shared.messaging.consumer import KafkaDeadLetters
from shared.messaging.probe import KafkaMarkProbe
from shared.messaging.topics import DEFAULT_FILE as DEFAULT_TOPICS
from shared.messaging.topics import ensure_topics, load_topics
from shared.outbox import Outbox, OutboxRelay
from shared.outbox.broker_marks import BrokerMarks
from shared.outbox.sequences import EventSequences
from shared.settings import ServiceSettings
from shared.unit_of_work import SqlUnitOfWork

U = TypeVar("U", bound=SqlUnitOfWork)


@dataclass
class Infrastructure:
    name: str
    clock: Clock
    engine: AsyncEngine
    tables: MessagingTables
    counts: DeliveryCounts
    outbox: Outbox
    inbox: Inbox
    sequences: EventSequences
    broker: KafkaBroker
    relay: OutboxRelay
    dead_letters: KafkaDeadLetters
    keys: ApiKeys

    def unit_of_work(self, cls: type[U]) -> Callable[[], U]:
        def factory() -> U:
            return cls(
                self.engine,
                outbox=self.outbox,
                inbox=self.inbox,
                sequences=self.sequences,
                clock=self.clock,
                source=f"/{self.name}",
                on_commit=self.relay.wake,
            )

        return factory


async def recreate_topics(bootstrap_servers: str) -> None:
    """After the broker lost its topics: create them again as `deploy/topics.yaml` says
    (where the file ships with the code; a deployment's topic job does it otherwise)."""
    if DEFAULT_TOPICS.exists():
        await ensure_topics(bootstrap_servers, load_topics())


def build_infrastructure(
    name: str,
    settings: ServiceSettings,
    database_url: str,
    tables: MessagingTables,
    clock: Clock | None = None,
) -> Infrastructure:
    clock = clock or clock_for(settings.clock, settings.test_clock_start)
    engine = create_engine(database_url)
    counts = DeliveryCounts(tables.counts)
    outbox = Outbox(tables.outbox, counts)
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=name)
    return Infrastructure(
        name=name,
        clock=clock,
        engine=engine,
        tables=tables,
        counts=counts,
        outbox=outbox,
        inbox=Inbox(tables.inbox, clock, counts),
        sequences=EventSequences(tables.sequences),
        broker=broker,
        relay=OutboxRelay(
            engine,
            outbox,
            KafkaBatchPublisher(settings.kafka_bootstrap_servers, client_id=name),
            marks=BrokerMarks(tables.broker_marks),
            probe=KafkaMarkProbe(settings.kafka_bootstrap_servers),
            recreate_topics=lambda: recreate_topics(settings.kafka_bootstrap_servers),
        ),
        dead_letters=KafkaDeadLetters(broker),
        keys=ApiKeys(admin=settings.admin_api_key, finance=settings.finance_api_key),
    )
