"""Delivering a stream of events as Kafka can: out of order, twice, in batches.

A consumer must end in the state one in-order delivery gives, whatever a replay, a
republish, a rebalance or a dead letter put back does to the order. `deliveries` draws
such a delivery of a given stream: a permutation, with some events repeated, cut into
batches the way a consumer's poll would hand them over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hypothesis import strategies as st

from shared.contracts import encode_event, new_event
from shared.contracts.base import EventData
from shared.messaging.dead_letters import SourceInfo


@dataclass(frozen=True)
class Message:
    raw: bytes
    topic: str


def numbered(events: Sequence[EventData]) -> list[EventData]:
    """The events with the sequences their producer's outbox gives them: per subject, from 1."""
    seen: dict[str, int] = {}
    out = []
    for event in events:
        subject = event.subject()
        seen[subject] = seen.get(subject, 0) + 1
        out.append(event.model_copy(update={"sequence": seen[subject]}))
    return out


def messages(events: Sequence[EventData], at: datetime, source: str) -> list[Message]:
    """Each event once, as the relay would publish it (numbered, enveloped, encoded)."""
    return [
        Message(encode_event(new_event(event, source=source, time=at)), event.topic.value)
        for event in numbered(events)
    ]


@st.composite
def deliveries(draw: st.DrawFn, stream: Sequence[Message], max_repeats: int = 4) -> list[list[Message]]:
    """`stream` reordered, with up to `max_repeats` events delivered again, in batches."""
    order = list(draw(st.permutations(list(stream))))
    if stream:
        for _ in range(draw(st.integers(0, max_repeats))):
            again = draw(st.sampled_from(list(stream)))
            order.insert(draw(st.integers(0, len(order))), again)
    batches: list[list[Message]] = []
    while order:
        size = draw(st.integers(1, max(1, len(order))))
        batches.append(order[:size])
        order = order[size:]
    return batches


def in_order(stream: Sequence[Message]) -> list[list[Message]]:
    return [[message] for message in stream]


def sources(batch: Sequence[Message], first_offset: int) -> list[tuple[bytes, SourceInfo]]:
    return [
        (message.raw, SourceInfo(message.topic, 0, first_offset + n, None)) for n, message in enumerate(batch)
    ]
