"""An in-memory unit of work, for use-case tests that need no database.

It keeps the promises of `SqlUnitOfWork` that a use case can observe: what was not
committed is not seen by the next unit of work, an event is numbered per subject and
recorded only on commit, and a consumer's claim on an event holds once committed. So a
service-layer test on it says something about the real service. Repositories built on
`MemoryTable` get the same isolation: a unit of work reads committed rows, its own
writes are staged, and a commit publishes them all at once.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload
from uuid import UUID

from shared.clock import Clock
from shared.contracts.base import CloudEvent, EventData
from shared.unit_of_work import UnitOfWork

K = TypeVar("K")
V = TypeVar("V")
E = TypeVar("E", bound=EventData)


@dataclass
class MemoryStore:
    """What a fake database holds between units of work."""

    tables: dict[str, dict[Any, Any]] = field(default_factory=dict)
    inbox: dict[tuple[str, UUID], bool] = field(default_factory=dict)  # → dead-lettered
    outbox: list[CloudEvent[Any]] = field(default_factory=list)
    sequences: Counter[str] = field(default_factory=Counter)

    @overload
    def published(self) -> list[EventData]: ...
    @overload
    def published(self, kind: type[E]) -> list[E]: ...
    def published(self, kind: type[E] | None = None) -> list[E] | list[EventData]:
        """What the committed units of work published, oldest first."""
        return [e.data for e in self.outbox if kind is None or isinstance(e.data, kind)]


class MemoryTable(Generic[K, V]):
    """One table as a unit of work sees it: the committed rows under its own staged writes.

    Values are copied in and out, so an aggregate changed in memory and never saved, or
    saved in a unit of work that rolled back, leaves the table as it was.
    """

    def __init__(self, committed: dict[K, V]) -> None:
        self._committed = committed
        self._staged: dict[K, V | None] = {}

    def get(self, key: K) -> V | None:
        value = self._staged[key] if key in self._staged else self._committed.get(key)
        return copy.deepcopy(value)

    def put(self, key: K, value: V) -> None:
        self._staged[key] = copy.deepcopy(value)

    def delete(self, key: K) -> None:
        self._staged[key] = None

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]

    def values(self) -> Iterator[V]:
        """Every row, in insertion order of the committed table, then staged ones."""
        keys = list(self._committed) + [k for k in self._staged if k not in self._committed]
        for key in keys:
            value = self.get(key)
            if value is not None:
                yield value

    def publish(self) -> None:
        for key, value in self._staged.items():
            if value is None:
                self._committed.pop(key, None)
            else:
                self._committed[key] = value
        self._staged.clear()


class InMemoryUnitOfWork(UnitOfWork):
    """Subclass per service; open repositories on `self.table(name)` in `_open_repositories`."""

    def __init__(self, store: MemoryStore, *, clock: Clock, source: str = "test") -> None:
        super().__init__(clock=clock, source=source)
        self.store = store
        self._tables: dict[str, MemoryTable[Any, Any]] = {}
        self._claims: dict[tuple[str, UUID], bool] = {}
        self.committed = False

    async def __aenter__(self) -> Self:
        self._tables, self._claims = {}, {}
        self._open_repositories()
        return self

    def _open_repositories(self) -> None:
        """Hook for subclasses."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    def table(self, name: str) -> MemoryTable[Any, Any]:
        if name not in self._tables:
            self._tables[name] = MemoryTable(self.store.tables.setdefault(name, {}))
        return self._tables[name]

    def _taken(self, key: tuple[str, UUID]) -> bool:
        state = self._claims.get(key, self.store.inbox.get(key))
        return state is False  # taken and applied; a dead letter may come again

    async def claim(self, consumer: str, event: CloudEvent[Any]) -> bool:
        return bool(await self.claim_many(consumer, [event]))

    async def claim_many(self, consumer: str, events: Sequence[CloudEvent[Any]]) -> set[UUID]:
        fresh = set()
        for event in events:
            key = (consumer, event.id)
            if not self._taken(key):
                self._claims[key] = False
                fresh.add(event.id)
        return fresh

    async def record_dead_letter(self, consumer: str, event: CloudEvent[Any]) -> None:
        self._claims[(consumer, event.id)] = True

    async def unclaim(self, consumer: str, event: CloudEvent[Any]) -> None:
        self._claims.pop((consumer, event.id), None)
        self.store.inbox.pop((consumer, event.id), None)

    async def _number(self, events: list[EventData]) -> list[EventData]:
        numbered = []
        counters = self.store.sequences.copy()
        for event in events:
            counters[event.subject()] += 1
            numbered.append(event.model_copy(update={"sequence": counters[event.subject()]}))
        self._numbered = counters
        return numbered

    async def _store(self, events: list[CloudEvent[Any]]) -> None:
        for table in self._tables.values():
            table.publish()
        self.store.inbox.update(self._claims)
        self._claims = {}
        self.store.sequences = self._numbered
        self.store.outbox.extend(events)
        self.committed = True

    async def rollback(self) -> None:
        self._tables, self._claims = {}, {}
