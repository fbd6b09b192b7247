"""What each participant reports to the test clock, and when the whole system is quiet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel


class ParticipantState(BaseModel):
    """One service instance's answer. `published` and `consumed` are durable counts from
    its database (shared by its replicas), by topic; `healing` says its relay is
    republishing what the broker lost."""

    service: str = ""
    now: datetime
    published: dict[str, int]
    consumed: dict[str, int]
    outbox_pending: int
    due_work: int
    next_due_at: datetime | None = None
    healing: bool = False
    answered: bool = True


def _per_service(states: Sequence[ParticipantState], part: str) -> dict[str, dict[str, int]]:
    """Each service's counts once, however many replicas answered (they share a database;
    a replica that looked a moment later may have seen more)."""
    merged: dict[str, dict[str, int]] = {}
    for state in states:
        mine = merged.setdefault(state.service, {})
        for topic, count in getattr(state, part).items():
            mine[topic] = max(mine.get(topic, 0), count)
    return merged


def is_quiet(states: Sequence[ParticipantState]) -> bool:
    """No outbox rows waiting, no due work, no relay healing, and every service has
    consumed at least everything published on each topic it consumes."""
    if any(s.outbox_pending or s.due_work or s.healing or not s.answered for s in states):
        return False
    published: dict[str, int] = {}
    for counts in _per_service(states, "published").values():
        for topic, count in counts.items():
            published[topic] = published.get(topic, 0) + count
    return all(
        count >= published.get(topic, 0)
        for counts in _per_service(states, "consumed").values()
        for topic, count in counts.items()
    )
