"""Waiting longer after each consecutive failure, and starting over after a success.

A service that waits for a database or broker to come back must not hammer it while it
is down, nor sleep long once it is back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    first: float = 0.5
    most: float = 30.0
    _next: float = 0.0

    def next_delay(self) -> float:
        """The wait before the next try: `first`, then doubling up to `most`."""
        self._next = self.first if self._next == 0 else min(self._next * 2, self.most)
        return self._next

    def reset(self) -> None:
        self._next = 0.0

    @property
    def failing(self) -> bool:
        return self._next > 0
