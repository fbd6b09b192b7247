"""The CloudEvents 1.0 envelope and the base of every event's `data`.

Other teams consume these events, so every model is frozen, typed and documented, and
a change to one must be additive: see `shared.contracts.compat`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, model_validator


class Topic(StrEnum):
    """Kafka topics; `deploy/topics.yaml` defines their partitions and retention."""

    BILLING_EVENTS = "billing.events"
    BILLING_COMMANDS = "billing.commands"
    DUNNING_EVENTS = "dunning.events"
    PAUSE_EVENTS = "pause.events"
    NOTIFICATIONS = "notifications"

    @property
    def dlq(self) -> str:
        return f"{self.value}.dlq"


class EventData(BaseModel):
    """The `data` of one event type.

    `event_type` and `topic` bind the payload to its CloudEvents `type` and its Kafka
    topic, so that publishing code cannot put an event on the wrong topic.
    Unknown fields are ignored when reading, so producers may add fields first.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    version: ClassVar[int] = 1

    sequence: int | None = Field(
        default=None,
        ge=1,
        description=(
            "This event's place among everything its producer said about the same subject (the "
            "Kafka key), from 1. A consumer that keeps a fact with its sequence can tell an older "
            "fact, replayed or redriven late, from a newer one, and keep the newer."
        ),
    )

    @model_validator(mode="after")
    def _timestamps_in_utc(self) -> Self:
        """Every timestamp on the wire is RFC 3339 UTC, whatever offset the caller used.

        One pass over the validated fields: a validator on every field (`"*"`) was called
        from pydantic's core once per field, a fifth of the cost of decoding an event."""
        fields = self.__dict__
        for name, value in fields.items():
            if isinstance(value, datetime) and value.tzinfo is not None and value.tzinfo is not UTC:
                fields[name] = value.astimezone(UTC)
        return self

    def subject(self) -> str:
        """The Kafka key and CloudEvents subject: the subscription id where there is one."""
        fields = self.__dict__
        return str(fields.get("subscription_id") or fields["customer_id"])


D = TypeVar("D")


def utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC, so every timestamp we emit ends in `Z`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return moment.astimezone(UTC)


class CloudEvent(BaseModel, Generic[D]):
    """A CloudEvents 1.0 JSON envelope; consumers dedupe on `id`."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(description="Unique per event; consumers dedupe on it.")
    type: str = Field(description="The event type, e.g. `payment.failed`.")
    source: str = Field(description="The producing service, e.g. `/billing`.")
    time: AwareDatetime = Field(description="When it happened, RFC 3339 UTC.")
    subject: str | None = Field(
        default=None,
        description="The subscription id where there is one, else the customer id.",
    )
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, description="URN of the data's schema version.")
    data: D

    @field_serializer("time")
    def _rfc3339_utc(self, value: datetime) -> str:
        return utc(value).isoformat().replace("+00:00", "Z")

    @property
    def key(self) -> str | None:
        """The Kafka key: one subscription's (or customer's) events stay in order."""
        return self.subject


_ANY_EVENT = CloudEvent[Any]  # parametrised once: subscripting a generic model costs a lookup per call


def dataschema_urn(event_type: str, version: int) -> str:
    return f"urn:beach-billing:schema:{event_type}:v{version}"


def new_event(
    data: EventData, *, source: str, time: datetime, event_id: UUID | None = None
) -> CloudEvent[Any]:
    """Wrap `data` in an envelope with a fresh id; the clock decides `time`."""
    return _ANY_EVENT(
        id=event_id or uuid4(),
        type=data.event_type,
        source=source,
        time=utc(time),
        subject=data.subject(),
        dataschema=dataschema_urn(data.event_type, data.version),
        data=data,
    )
