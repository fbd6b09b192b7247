"""The consumer's rules, on fakes: dedupe, bounded retries, dead letters, batches."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client import REGISTRY
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared.backoff import Backoff
from shared.contracts import CloudEvent, Topic, encode_event, new_event
from shared.contracts.billing import CustomerCreated
from shared.failures import ConcurrentUpdate, is_unavailable
from shared.messaging.consumer import EventConsumer, SourceInfo

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def customer_created(n: int) -> bytes:
    data = CustomerCreated(
        customer_id=f"cus_{n}", email=f"c{n}@example.com", name="C", timezone="UTC", created_at=NOW
    )
    return encode_event(new_event(data, source="/billing", time=NOW))


def at(offset: int) -> SourceInfo:
    return SourceInfo("billing.events", 0, offset, b"cus")


class FakeStore:
    """What a database would hold: committed inbox ids and handler effects."""

    def __init__(self) -> None:
        self.inbox: set[tuple[str, str]] = set()
        self.customers: list[str] = []
        self.dead_lettered: set[tuple[str, str]] = set()
        self.commits = 0
        self.read_ahead: list[list[str]] = []


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.inbox: set[tuple[str, str]] = set()
        self.customers: list[str] = []
        self.dead: set[tuple[str, str]] = set()

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        pass

    async def claim(self, consumer: str, event: CloudEvent[Any]) -> bool:
        key = (consumer, str(event.id))
        if key in self.store.inbox or key in self.inbox:
            return False
        self.inbox.add(key)
        return True

    async def claim_many(self, consumer: str, events: list[CloudEvent[Any]]) -> set[Any]:
        return {event.id for event in events if await self.claim(consumer, event)}

    async def record_dead_letter(self, consumer: str, event: CloudEvent[Any]) -> None:
        self.dead.add((consumer, str(event.id)))

    async def read_ahead(self, events: list[CloudEvent[Any]]) -> None:
        self.store.read_ahead.append([event.data.customer_id for event in events])

    async def commit(self) -> None:
        self.store.dead_lettered |= self.dead
        self.store.inbox |= self.inbox
        self.store.customers += self.customers
        self.store.commits += 1


class FakeDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, SourceInfo, dict[str, str]]] = []

    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        self.sent.append((raw, source, headers))


def make_consumer(store: FakeStore, dead: FakeDeadLetters, handler: Any = None) -> EventConsumer:
    async def remember(event: CloudEvent[Any], uow: FakeUnitOfWork) -> None:
        uow.customers.append(event.data.customer_id)

    return EventConsumer(
        name="test-consumer",
        topic=Topic.BILLING_EVENTS,
        handlers={CustomerCreated: handler or remember},
        unit_of_work=lambda: FakeUnitOfWork(store),  # type: ignore[arg-type,return-value]
        dead_letters=dead,
        retry_delays=(0, 0),
        backoff=Backoff(first=0.001, most=0.004),
    )


async def test_a_redelivered_event_is_applied_once() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    message = customer_created(1)
    assert await consumer.process(message, at(0)) == "processed"
    assert await consumer.process(message, at(0)) == "duplicate"
    assert store.customers == ["cus_1"]


async def test_a_duplicate_inside_one_batch_is_applied_once() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    message = customer_created(1)
    outcomes = await consumer.process_batch([(message, at(0)), (message, at(1))])
    assert outcomes == ["processed", "duplicate"]
    assert store.customers == ["cus_1"]


async def test_a_batch_is_applied_in_one_transaction() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    await consumer.process_batch([(customer_created(n), at(n)) for n in range(50)])
    assert store.commits == 1
    assert len(store.customers) == 50


async def test_a_batch_reads_ahead_once_for_the_events_it_will_handle() -> None:
    """Only events not seen before are looked up: a redelivery costs no reads."""
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    messages = [(customer_created(n), at(n)) for n in range(5)]
    await consumer.process_batch(messages[:3])
    await consumer.process_batch(messages[2:])
    assert store.read_ahead == [["cus_0", "cus_1", "cus_2"], ["cus_3", "cus_4"]]


async def test_malformed_json_goes_to_the_dlq_with_reason_and_source_offset() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    assert await consumer.process(b"{oops", at(41)) == "dead_lettered"
    raw, source, headers = dead.sent[0]
    assert raw == b"{oops"
    assert source.offset == 41
    assert headers["dlq-kind"] == "malformed"
    assert headers["dlq-source-offset"] == "41"
    assert headers["dlq-source-topic"] == "billing.events"
    assert "not JSON" in headers["dlq-reason"]


async def test_an_event_type_nobody_handles_is_skipped_without_a_dead_letter() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    unknown = customer_created(1).replace(b'"customer.created"', b'"customer.archived"')
    assert await consumer.process(unknown, at(0)) == "ignored"
    assert dead.sent == []


async def test_an_unknown_type_is_recorded_so_its_redelivery_is_a_duplicate_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    unknown = customer_created(1).replace(b'"customer.created"', b'"customer.archived"')
    other = customer_created(2).replace(b'"customer.created"', b'"customer.archived"')
    before = consumed_count("unknown", "ignored")

    assert await consumer.process(unknown, at(0)) == "ignored"
    assert await consumer.process(unknown, at(0)) == "duplicate"
    assert await consumer.process(other, at(1)) == "ignored"

    assert len(store.inbox) == 2
    assert consumed_count("unknown", "ignored") == before + 2
    assert sum("does not know" in r.getMessage() for r in caplog.records) == 1


def consumed_count(event_type: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "messages_consumed_total", {"topic": "billing.events", "type": event_type, "outcome": outcome}
    )
    return value or 0.0


async def test_a_handler_that_keeps_failing_is_tried_three_times_then_dead_lettered() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    calls = 0

    async def broken(event: CloudEvent[Any], uow: FakeUnitOfWork) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("no such plan")

    consumer = make_consumer(store, dead, broken)
    assert await consumer.process(customer_created(1), at(7)) == "dead_lettered"
    assert calls == 3
    assert dead.sent[0][2]["dlq-kind"] == "handler_failed"
    assert dead.sent[0][2]["dlq-attempts"] == "3"
    assert "no such plan" in dead.sent[0][2]["dlq-reason"]
    assert store.inbox == set(), "a failed event must stay unprocessed"
    assert len(store.dead_lettered) == 1, "but the consumer records that it is done with it"


async def test_one_bad_message_in_a_batch_does_not_hold_back_the_others() -> None:
    store, dead = FakeStore(), FakeDeadLetters()

    async def picky(event: CloudEvent[Any], uow: FakeUnitOfWork) -> None:
        if event.data.customer_id == "cus_2":
            raise ValueError("cannot handle cus_2")
        uow.customers.append(event.data.customer_id)

    consumer = make_consumer(store, dead, picky)
    outcomes = await consumer.process_batch([(customer_created(n), at(n)) for n in range(4)])
    assert outcomes == ["processed", "processed", "dead_lettered", "processed"]
    assert store.customers == ["cus_0", "cus_1", "cus_3"]
    assert [s.offset for _, s, _ in dead.sent] == [2]


async def test_a_database_outage_is_not_dead_lettered_but_redelivered() -> None:
    store, dead = FakeStore(), FakeDeadLetters()

    async def database_down(event: CloudEvent[Any], uow: FakeUnitOfWork) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db down"))

    consumer = make_consumer(store, dead, database_down)
    with pytest.raises(OperationalError):
        await consumer.process(customer_created(1), at(0))
    assert dead.sent == []


class AsyncpgNotAccepting(Exception):
    """What asyncpg raises while a database refuses connections (SQLSTATE 55000)."""

    sqlstate = "55000"


def not_accepting_connections() -> DBAPIError:
    """asyncpg's refusal as SQLAlchemy hands it over: a plain DBAPIError, not an OperationalError."""
    try:
        raise AsyncpgNotAccepting('database "billing" is not currently accepting connections')
    except AsyncpgNotAccepting as cause:
        return DBAPIError("SELECT 1", {}, cause)


@pytest.mark.parametrize(
    "outage",
    [
        not_accepting_connections,
        lambda: DBAPIError("SELECT 1", {}, Exception("connection was closed"), connection_invalidated=True),
        lambda: ConnectionRefusedError("connect call failed"),
        lambda: TimeoutError("pool timed out"),
        lambda: ConcurrentUpdate("subscription sub_1 changed concurrently"),
    ],
    ids=["asyncpg-55000", "connection-invalidated", "refused", "timeout", "lost-race"],
)
async def test_an_outage_of_any_driver_waits_longer_each_time_and_never_dead_letters(outage: Any) -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    calls = 0

    async def down_for_a_while(event: CloudEvent[Any], uow: FakeUnitOfWork) -> None:
        nonlocal calls
        calls += 1
        if calls <= 5:
            raise outage()
        uow.customers.append(event.data.customer_id)

    consumer = make_consumer(store, dead, down_for_a_while)
    waits = []
    for _ in range(5):
        with pytest.raises((DBAPIError, OSError, ConcurrentUpdate)) as raised:
            await consumer.process(customer_created(1), at(0))
        assert is_unavailable(raised.value)
        waits.append(consumer.backoff._next)

    assert await consumer.process(customer_created(1), at(0)) == "processed"
    assert dead.sent == []
    assert store.customers == ["cus_1"]
    assert waits == sorted(waits)
    assert waits[-1] > waits[0]
    assert not consumer.backoff.failing, "a success starts the backoff over"


async def test_an_outage_in_the_middle_of_a_batch_redelivers_the_whole_batch_without_dead_letters() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    down = True

    async def flaky(event: CloudEvent[Any], uow: FakeUnitOfWork) -> None:
        if down and event.data.customer_id == "cus_2":
            raise not_accepting_connections()
        uow.customers.append(event.data.customer_id)

    consumer = make_consumer(store, dead, flaky)
    batch = [(customer_created(n), at(n)) for n in range(4)]
    with pytest.raises(DBAPIError):
        await consumer.process_batch(batch)
    down = False

    assert await consumer.process_batch(batch) == ["processed"] * 4
    assert store.customers == ["cus_0", "cus_1", "cus_2", "cus_3"]
    assert dead.sent == []


def test_a_bad_value_is_the_messages_fault_and_a_lost_connection_is_not() -> None:
    assert not is_unavailable(ValueError("no such plan"))
    assert not is_unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert is_unavailable(not_accepting_connections())
    assert is_unavailable(RuntimeError("wrapped")) is False
    wrapped = RuntimeError("the handler gave up")
    wrapped.__cause__ = ConnectionResetError("peer reset")
    assert is_unavailable(wrapped), "the cause counts, however deep"


async def test_the_faststream_subscription_hands_raw_records_to_the_consumer() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    broker = KafkaBroker()
    consumer.subscribe(broker, group_id="test-consumer")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(customer_created(5), "billing.events", key=b"cus_5")
        await test_broker.publish(b"not an event", "billing.events", key=b"cus_6")
    assert store.customers == ["cus_5"]
    assert [raw for raw, _, _ in dead.sent] == [b"not an event"]


class RefusingUnknownTypes(FakeUnitOfWork):
    """An inbox whose column is too narrow for the made-up types sent below."""

    async def claim(self, consumer: str, event: CloudEvent[Any]) -> bool:
        if event.type.startswith("made.up."):
            raise ValueError("value too long for type character varying(100)")
        return await super().claim(consumer, event)


def series(metric: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == metric
    }


async def test_unknown_types_failing_their_claim_add_no_series_of_their_own() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    consumer.unit_of_work = lambda: RefusingUnknownTypes(store)  # type: ignore[assignment,return-value]
    unknown = {"topic": "billing.events", "type": "unknown"}
    before = REGISTRY.get_sample_value("message_handler_failures_total", unknown) or 0.0

    for n in range(3):
        made_up = customer_created(n).replace(b'"customer.created"', f'"made.up.{n}"'.encode())
        assert await consumer.process(made_up, at(n)) == "dead_lettered"

    types = {dict(labels)["type"] for labels in series("message_handler_failures_total")}
    assert not {t for t in types if t.startswith("made.up.")}
    assert REGISTRY.get_sample_value("message_handler_failures_total", unknown) == before + 9
    assert len(dead.sent) == 3


async def test_each_handler_call_is_timed_by_consumer_and_event_type() -> None:
    store, dead = FakeStore(), FakeDeadLetters()
    consumer = make_consumer(store, dead)
    labels = {"consumer": "test-consumer", "type": "customer.created"}
    before = REGISTRY.get_sample_value("message_handler_duration_seconds_count", labels) or 0.0

    await consumer.process(customer_created(1), at(0))
    await consumer.process_batch([(customer_created(n), at(n)) for n in range(2, 5)])

    assert REGISTRY.get_sample_value("message_handler_duration_seconds_count", labels) == before + 4
