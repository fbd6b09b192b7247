"""What a batch of messages will look up, read in one statement instead of one per message.

A consumer applies up to a few hundred events in one transaction. Looking each one's
rows up separately costs a round trip per lookup, which caps a consumer at a few hundred
events a second whatever the database could do. A repository that reads ahead answers
those lookups from rows it read together, and forgets a row as soon as the transaction
writes it, so every later lookup reads what the transaction itself wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ReadAhead(Generic[K, V]):
    """Rows by key, read ahead; a key read ahead and not found is known to be absent."""

    def __init__(self) -> None:
        self._known: dict[K, V | None] = {}

    def learn(self, asked: Iterable[K], found: Mapping[K, V]) -> None:
        for key in asked:
            self._known[key] = found.get(key)

    def knows(self, key: K) -> bool:
        return key in self._known

    def get(self, key: K) -> V | None:
        return self._known[key]

    def put(self, key: K, value: V) -> None:
        """What this transaction wrote, when it is exactly what a read would give."""
        self._known[key] = value

    def forget(self, key: K) -> None:
        """The transaction wrote `key` in a way only the database can resolve."""
        self._known.pop(key, None)

    def unknown(self, keys: Iterable[K]) -> list[K]:
        """The distinct `keys` not read ahead yet, in order."""
        return [key for key in dict.fromkeys(keys) if key not in self._known]
