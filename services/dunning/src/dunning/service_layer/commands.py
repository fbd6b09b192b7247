"""What the scheduler asks of dunning, one message per transaction.

A scheduler tick is two of them with billing in between: a look at the due cases says
which customers' reminders need a card-update link, the links are fetched from
billing with no transaction open, and then the due cases are run with those links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shared.bus import Command, Query


@dataclass(frozen=True)
class DueCases:
    now: datetime
    count: int
    customers_needing_links: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LookAtDueCases(Query[DueCases]):
    batch: int = 200


@dataclass(frozen=True)
class RunDueCases(Command[int]):
    """Act on the cases due at `now`; answers how many decisions were carried out."""

    now: datetime
    links: Mapping[str, str] = field(default_factory=dict)
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
