"""Bytes on the wire to typed events and back.

A message that is not valid JSON, not a CloudEvent, or whose `data` does not match its
type's model is *malformed*: retrying it cannot help, so it goes straight to the DLQ.
A well-formed event of a type this build does not know is not an error: newer producers
may add types, and consumers skip what they do not handle.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from shared.contracts.base import CloudEvent, EventData
from shared.contracts.registry import data_model


class MalformedMessage(ValueError):
    """The message can never be processed; the reason says why, for the DLQ header."""


class UnknownEventType(LookupError):
    """A well-formed envelope of a type this consumer's contracts do not list."""

    def __init__(self, envelope: CloudEvent[dict[str, Any]]) -> None:
        super().__init__(envelope.type)
        self.envelope = envelope


def encode_event(event: CloudEvent[Any]) -> bytes:
    return event.model_dump_json().encode()


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "(root)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def decode_event(raw: bytes | str) -> CloudEvent[EventData]:
    """Parse and validate one message; raises `MalformedMessage` or `UnknownEventType`."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedMessage("not a JSON object")
    try:
        envelope = CloudEvent[dict[str, Any]].model_validate(document)
    except ValidationError as exc:
        raise MalformedMessage(f"not a CloudEvent: {_describe(exc)}") from exc
    model = data_model(envelope.type)
    if model is None:
        raise UnknownEventType(envelope)
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise MalformedMessage(f"invalid {envelope.type} data: {_describe(exc)}") from exc
    # Both parts are validated by now: building the envelope again would check them twice.
    fields = {**envelope.__dict__, "data": data}
    return CloudEvent[EventData].model_construct(envelope.model_fields_set, **fields)
