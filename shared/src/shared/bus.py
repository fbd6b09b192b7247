"""The message bus: every use case is one handler of one message, keyed by its class.

An HTTP route, a consumer and a scheduler tick do the same three things: build a
message (or take an event), hand it to the bus, translate the answer. The bus finds the
one handler registered for the message's class and gives it a unit of work, so a
handler is the same code whoever delivered its message:

- a **command** (`Command[R]`) changes something. The bus opens a unit of work, the
  handler changes aggregates in it, and the bus commits once the handler returned;
  effects outside the database (a charge at the gateway) are registered with
  `work.after_commit` and run after that commit;
- a **query** (`Query[R]`) only reads, in a read-only unit of work that never commits;
- an **event** (`CloudEvent[D]`) consumed from another service is applied inside the
  consumer's unit of work, the one that also holds its inbox claim, which the consumer
  commits: a fact and the record of having applied it are one transaction.

- a **process** is a command whose work waits on something outside the database
  between two transactions (attach a card at the gateway, then store it; send charges,
  then settle them). Its handler gets the unit-of-work factory instead of a unit of
  work and opens each short transaction itself, so no transaction is held open while
  the gateway thinks.

A command or event handler never commits. Only a process opens transactions, and it
never holds one across a call to someone else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar, cast

from shared.contracts.base import CloudEvent, EventData, Topic
from shared.unit_of_work import UnitOfWork

R = TypeVar("R")
C = TypeVar("C")
D = TypeVar("D", bound=EventData)
W = TypeVar("W", bound=UnitOfWork)


class Command(Generic[R]):
    """A request to change state; its handler answers an `R`."""


class Query(Generic[R]):
    """A question; its handler reads, and answers an `R`."""


EventHandler = Callable[[CloudEvent[Any], W], Awaitable[None]]


class NoHandler(LookupError):
    """A message nobody registered: a wiring mistake, found at the first call."""


class MessageBus(Generic[W]):
    def __init__(self, unit_of_work: Callable[[], W]) -> None:
        self.unit_of_work = unit_of_work
        self._handlers: dict[type[Any], Callable[[Any, W], Awaitable[Any]]] = {}
        self._processes: dict[type[Any], Callable[[Any, Callable[[], W]], Awaitable[Any]]] = {}
        self._event_handlers: dict[type[EventData], EventHandler[W]] = {}

    def command(self, kind: type[C], handler: Callable[[C, W], Awaitable[Any]]) -> None:
        """Register the handler of a command or query class; one per class."""
        self._refuse_second(kind)
        self._handlers[kind] = handler

    def _refuse_second(self, kind: type[Any]) -> None:
        if kind in self._handlers or kind in self._processes:
            raise ValueError(f"{kind.__name__} has a handler already")

    def process(self, kind: type[C], handler: Callable[[C, Callable[[], W]], Awaitable[Any]]) -> None:
        """Register the handler of a command that owns its (several, short) transactions."""
        self._refuse_second(kind)
        self._processes[kind] = handler

    def event(self, kind: type[D], handler: Callable[[CloudEvent[D], W], Awaitable[None]]) -> None:
        """Register what to do with a consumed event of this contract class; one per class."""
        if kind in self._event_handlers:
            raise ValueError(f"{kind.__name__} has a handler already")
        self._event_handlers[kind] = cast(EventHandler[W], handler)

    async def handle(self, message: Command[R] | Query[R]) -> R:
        if (process := self._processes.get(type(message))) is not None:
            return cast(R, await process(message, self.unit_of_work))
        handler = self._handlers.get(type(message))
        if handler is None:
            raise NoHandler(f"no handler for {type(message).__name__}")
        if isinstance(message, Query):
            async with self.unit_of_work().read_only() as work:
                return cast(R, await handler(message, work))
        async with self.unit_of_work() as work:
            result = await handler(message, work)
            await work.commit()
        return cast(R, result)

    def event_handlers(self, topic: Topic) -> Mapping[type[EventData], EventHandler[W]]:
        """The handlers of the events on `topic`, for the consumer of that topic."""
        return {kind: h for kind, h in self._event_handlers.items() if kind.topic is topic}
