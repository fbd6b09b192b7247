"""The unit of work: one transaction holding state changes, their events and the inbox.

Aggregates record events in `aggregate.events`; repositories tell the unit of work
which aggregates they have seen; on commit the unit of work numbers those events per
subject and writes them to the outbox in the same transaction. Nothing is published
directly, so a rollback can never leave a published event behind.

`UnitOfWork` is the seam a use case sees, and it owns everything that does not depend
on where state is kept: collecting events, numbering them, effects after the commit.
`SqlUnitOfWork` keeps state in the service's database; the in-memory one in
`shared.testing.memory` keeps it in dictionaries, so a use case can be tested in
milliseconds against the same contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.clock import Clock
from shared.contracts.base import CloudEvent, EventData, new_event
from shared.db.engine import reading_options
from shared.inbox import Inbox
from shared.outbox.sequences import EventSequences
from shared.outbox.store import Outbox
from shared.tracing import current_traceparent


class RecordsEvents(Protocol):
    events: list[EventData]


def _tracker(seen: dict[int, RecordsEvents]) -> Callable[[RecordsEvents], None]:
    def track(aggregate: RecordsEvents) -> None:
        seen.setdefault(id(aggregate), aggregate)

    return track


def values_of(events: Sequence[CloudEvent[Any]], field: str) -> list[str]:
    """The string values of `field` in the events' data that have it: the keys a
    `UnitOfWork.read_ahead` reads. It lives here, beside the events, so that
    `shared.db` needs to know nothing of them."""
    return [value for event in events if isinstance(value := getattr(event.data, field, None), str)]


class UnitOfWork(ABC):
    """One transaction. Enter it, change aggregates through its repositories, commit.

    Leaving it without a commit rolls everything back, events included.
    """

    track: Callable[[RecordsEvents], None]
    """Collect an aggregate's events at the commit. Repositories are handed this, and it
    does not hold the unit of work: a bound method would make the unit of work and its
    repositories a reference cycle, which only the garbage collector's full passes free,
    and a consumer's batch of a thousand cases and their events would wait for one."""

    def __init__(self, *, clock: Clock, source: str, on_commit: Callable[[], None] | None = None) -> None:
        self.clock = clock
        self.source = source
        self._on_commit = on_commit
        self._seen: dict[int, RecordsEvents] = {}  # by id(): a batch tracks thousands of aggregates
        self.track = _tracker(self._seen)
        self._emitted: list[EventData] = []
        self._emitted_traces: list[str | None] = []
        self._traces: dict[UUID, str] = {}  # by event id: the span each emitted event came from
        self.recorded: list[CloudEvent[Any]] = []
        self._read_only = False
        self._after_commit: list[Callable[[], Awaitable[object]]] = []

    def read_only(self) -> Self:
        """Use this unit of work only to read (`shared.db.engine.reading_options`): on
        SQLite it takes no write lock, on PostgreSQL it spends no round trips on a
        transaction. For queries and looks that run often and change nothing, such as the
        test clock's questions about due work; it refuses to commit, or to write at all.
        """
        self._read_only = True
        return self

    @abstractmethod
    async def __aenter__(self) -> Self: ...

    @abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def after_commit(self, action: Callable[[], Awaitable[object]]) -> None:
        """Run `action` once the transaction committed: for effects outside the database
        (sending a message) that must not happen unless the commit did, and must not hold
        the transaction open while they wait on someone else."""
        self._after_commit.append(action)

    def emit(self, data: EventData) -> None:
        """Publish a fact that belongs to no aggregate (a command, a notification).

        It keeps the span it was emitted in: a batch (the scheduler's due cases) emits
        each case's messages in the case's own trace, and commits them all at once."""
        self._emitted.append(data)
        self._emitted_traces.append(current_traceparent())

    @abstractmethod
    async def claim(self, consumer: str, event: CloudEvent[Any]) -> bool:
        """Record that `consumer` takes this event; False if it had already."""

    @abstractmethod
    async def claim_many(self, consumer: str, events: Sequence[CloudEvent[Any]]) -> set[UUID]:
        """The ids among `events` that `consumer` had not taken before, now taken."""

    @abstractmethod
    async def record_dead_letter(self, consumer: str, event: CloudEvent[Any]) -> None: ...

    async def read_ahead(self, events: Sequence[CloudEvent[Any]]) -> None:
        """Read together what handling `events` will look up (`shared.db.read_ahead`).

        Only a matter of speed: a unit of work that reads nothing ahead gives the same
        answers, one round trip at a time.
        """
        return None

    @abstractmethod
    async def unclaim(self, consumer: str, event: CloudEvent[Any]) -> None: ...

    def _collect(self) -> tuple[list[EventData], list[str | None]]:
        """Every event to publish, and the span each emitted one came from (None: the
        span of the commit, for the aggregates' events)."""
        collected: list[EventData] = []
        for aggregate in self._seen.values():
            collected.extend(aggregate.events)
            aggregate.events.clear()
        traces: list[str | None] = [*([None] * len(collected)), *self._emitted_traces]
        collected.extend(self._emitted)
        self._emitted, self._emitted_traces = [], []
        return collected, traces

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        now = self.clock.now()
        collected, traces = self._collect()
        numbered = await self._number(collected)  # in the order given
        events = [new_event(data, source=self.source, time=now) for data in numbered]
        self._traces = {e.id: trace for e, trace in zip(events, traces, strict=True) if trace}
        await self._store(events)
        self.recorded.extend(events)
        if events and self._on_commit:
            self._on_commit()
        await self._run_after_commit()

    @abstractmethod
    async def _number(self, events: list[EventData]) -> list[EventData]:
        """The events with their per-subject sequences, taken in this transaction."""

    @abstractmethod
    async def _store(self, events: list[CloudEvent[Any]]) -> None:
        """Write `events` to the outbox and make the whole transaction durable."""

    async def _run_after_commit(self) -> None:
        """Every action runs, even after one failed; the first failure is raised after."""
        actions, self._after_commit = self._after_commit, []
        failures = []
        for action in actions:
            try:
                await action()
            except Exception as exc:
                failures.append(exc)
        if failures:
            raise failures[0]

    @abstractmethod
    async def rollback(self) -> None: ...


class SqlUnitOfWork(UnitOfWork):
    """Subclass per service; `_open_repositories` gets a Core connection, not an ORM session:
    repositories write tables, and a session cost twice as much to enter and leave."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        outbox: Outbox,
        inbox: Inbox,
        sequences: EventSequences,
        clock: Clock,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(clock=clock, source=source, on_commit=on_commit)
        self._engine, self._outbox, self._inbox, self._sequences = engine, outbox, inbox, sequences

    async def __aenter__(self) -> Self:
        # The transaction begins with the first statement, as a session's did: a writer takes
        # its turn on SQLite then, not while it has nothing to write yet.
        self.connection = await self._engine.connect()
        if self._read_only:
            await self.connection.execution_options(**reading_options(self._engine.dialect.name))
        self._open_repositories(self.connection)
        return self

    def _open_repositories(self, connection: AsyncConnection) -> None:
        """Hook for subclasses."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.connection.close()  # rolls back what was not committed; nothing after a commit

    async def claim(self, consumer: str, event: CloudEvent[Any]) -> bool:
        return await self._inbox.claim(self.connection, consumer, event)

    async def claim_many(self, consumer: str, events: Sequence[CloudEvent[Any]]) -> set[UUID]:
        return await self._inbox.claim_many(self.connection, consumer, events)

    async def record_dead_letter(self, consumer: str, event: CloudEvent[Any]) -> None:
        await self._inbox.record_dead_letter(self.connection, consumer, event)

    async def unclaim(self, consumer: str, event: CloudEvent[Any]) -> None:
        await self._inbox.unclaim(self.connection, consumer, event)

    async def _number(self, events: list[EventData]) -> list[EventData]:
        return await self._sequences.number(self.connection, events)

    async def _store(self, events: list[CloudEvent[Any]]) -> None:
        await self._outbox.add(self.connection, [(e, e.data.topic.value) for e in events], self._traces)
        await self.connection.commit()
        # Given back at once: the after-commit effects (a first charge's gateway call) must
        # hold neither a pooled connection nor, on SQLite, the writers' turn.
        await self.connection.close()

    async def rollback(self) -> None:
        await self.connection.rollback()
