"""Facts the pause service publishes on `pause.events`: "on the beach"."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData, Topic
from shared.money import Money

PauseSource = Literal["portal", "dunning_offer", "admin"]


class _PauseEvent(EventData):
    topic: ClassVar[Topic] = Topic.PAUSE_EVENTS
    pause_id: str
    subscription_id: str
    customer_id: str


class PauseScheduled(_PauseEvent):
    event_type: ClassVar[str] = "pause.scheduled"
    months: int = Field(ge=1)
    starts_at: AwareDatetime
    resumes_at: AwareDatetime
    fee_per_month: Money
    source: PauseSource


class PauseStarted(_PauseEvent):
    event_type: ClassVar[str] = "pause.started"
    starts_at: AwareDatetime
    resumes_at: AwareDatetime
    fee_per_month: Money


class PauseExtended(_PauseEvent):
    event_type: ClassVar[str] = "pause.extended"
    months: int = Field(ge=1, description="The pause's total length after the extension.")
    previous_resumes_at: AwareDatetime
    resumes_at: AwareDatetime
    starts_at: AwareDatetime | None = Field(
        None, description="When the pause began or begins, so this event alone says the whole pause."
    )
    fee_per_month: Money | None = None
    running: bool | None = Field(None, description="Whether the pause had already started when extended.")


class PauseEnded(_PauseEvent):
    event_type: ClassVar[str] = "pause.ended"
    ended_at: AwareDatetime
    reason: Literal["scheduled", "early"]


class PauseCanceled(_PauseEvent):
    event_type: ClassVar[str] = "pause.canceled"
    canceled_at: AwareDatetime
    reason: str | None = None


PAUSE_EVENTS: tuple[type[EventData], ...] = (
    PauseScheduled,
    PauseStarted,
    PauseExtended,
    PauseEnded,
    PauseCanceled,
)
