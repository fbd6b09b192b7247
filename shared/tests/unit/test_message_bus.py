"""The message bus gives each message its one handler and owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from shared.bus import Command, MessageBus, NoHandler, Query
from shared.clock import TestClock
from shared.contracts.base import CloudEvent, Topic
from shared.contracts.billing import CustomerCreated
from shared.contracts.pause import PauseStarted
from shared.testing.memory import InMemoryUnitOfWork, MemoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Register(Command[str]):
    customer_id: str
    fail: bool = False


@dataclass(frozen=True)
class CountCustomers(Query[int]):
    pass


async def register(command: Register, work: InMemoryUnitOfWork) -> str:
    work.table("customers").put(command.customer_id, command.customer_id)
    work.emit(
        CustomerCreated(
            customer_id=command.customer_id, email="a@example.com", name="A", timezone="UTC", created_at=T0
        )
    )
    if command.fail:
        raise ValueError("refused")
    return command.customer_id


async def count(query: CountCustomers, work: InMemoryUnitOfWork) -> int:
    return len(list(work.table("customers").values()))


async def remember(event: CloudEvent[CustomerCreated], work: InMemoryUnitOfWork) -> None:
    work.table("seen").put(event.data.customer_id, True)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def bus(store: MemoryStore) -> MessageBus[InMemoryUnitOfWork]:
    bus = MessageBus(lambda: InMemoryUnitOfWork(store, clock=TestClock(T0)))
    bus.command(Register, register)
    bus.command(CountCustomers, count)
    bus.event(CustomerCreated, remember)
    return bus


async def test_a_command_is_committed_with_its_events_once_its_handler_answered(
    bus: MessageBus[InMemoryUnitOfWork], store: MemoryStore
) -> None:
    assert await bus.handle(Register("cus_1")) == "cus_1"
    assert await bus.handle(CountCustomers()) == 1
    assert [e.customer_id for e in store.published(CustomerCreated)] == ["cus_1"]


async def test_a_handler_that_fails_leaves_nothing_behind(
    bus: MessageBus[InMemoryUnitOfWork], store: MemoryStore
) -> None:
    with pytest.raises(ValueError, match="refused"):
        await bus.handle(Register("cus_1", fail=True))
    assert await bus.handle(CountCustomers()) == 0
    assert store.published() == []


async def test_a_message_without_a_handler_is_a_wiring_mistake_named_at_once(
    bus: MessageBus[InMemoryUnitOfWork],
) -> None:
    @dataclass(frozen=True)
    class Unwired(Command[None]):
        pass

    with pytest.raises(NoHandler, match="Unwired"):
        await bus.handle(Unwired())
    with pytest.raises(ValueError, match="has a handler already"):
        bus.command(Register, register)


async def test_a_consumer_gets_the_handlers_of_its_topic_only(bus: MessageBus[InMemoryUnitOfWork]) -> None:
    assert set(bus.event_handlers(Topic.BILLING_EVENTS)) == {CustomerCreated}
    assert PauseStarted not in bus.event_handlers(Topic.PAUSE_EVENTS)
