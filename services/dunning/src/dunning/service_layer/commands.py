"""What the scheduler asks of dunning, one message per transaction.

A scheduler tick is two of them: a look at how many cases are due, then the run of
those cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.bus import Command, Query


@dataclass(frozen=True)
class DueCases:
    now: datetime
    count: int


@dataclass(frozen=True)
class LookAtDueCases(Query[DueCases]):
    batch: int = 200


@dataclass(frozen=True)
class RunDueCases(Command[int]):
    """Act on the cases due at `now`; answers how many decisions were carried out."""

    now: datetime
    batch: int = 200


@dataclass(frozen=True)
class CountDueCases(Query[int]):
    """How many cases are due now, for the test clock's question about due work."""


@dataclass(frozen=True)
class NextDueAt(Query[datetime | None]):
    """When the earliest open case next needs attention."""


@dataclass(frozen=True)
class CheckRetention(Command[int]):
    """Record the 30-day check of every closed case whose moment has come, a batch at a
    time; answers how many were checked."""

    batch: int = 200
