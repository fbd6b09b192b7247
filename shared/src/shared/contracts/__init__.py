"""Public event contracts: CloudEvents envelopes around typed, frozen payloads."""

from shared.contracts.base import CloudEvent, EventData, Topic, new_event
from shared.contracts.codec import MalformedMessage, decode_event, encode_event

__all__ = [
    "CloudEvent",
    "EventData",
    "MalformedMessage",
    "Topic",
    "decode_event",
    "encode_event",
    "new_event",
]
