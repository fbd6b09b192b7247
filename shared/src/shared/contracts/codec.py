"""Bytes on the wire to typed events and back.

A message that is not valid JSON, not a CloudEvent, or whose `data` does not match its
type's model is *malformed*: retrying it cannot help, so it goes straight to the DLQ.
A well-formed event of a type this build does not know is not an error: newer producers
may add types, and consumers skip what they do not handle.
"""

from __future__ import annotations

import json
import re
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


_ANY_ENVELOPE = CloudEvent[dict[str, Any]]
_EVENT = CloudEvent[EventData]
_TYPE = re.compile(rb'"type"\s*:\s*"([^"\\]+)"')
_ENVELOPES: dict[type[EventData], type[CloudEvent[Any]]] = {}  # CloudEvent[PaymentFailed] …


def _envelope(model: type[EventData]) -> type[CloudEvent[Any]]:
    envelope = _ENVELOPES.get(model)
    if envelope is None:
        envelope = _ENVELOPES[model] = CloudEvent[model]  # type: ignore[valid-type]
    return envelope


def _decode_known(raw: bytes) -> CloudEvent[EventData] | None:
    """A well-formed event of a known type in one pass of pydantic's JSON parser, which
    costs half of `json.loads` and two validations; None for anything else, which then
    takes the long way and gets its precise verdict there. The type is guessed from the
    first `"type"` in the text, and the guess holds only if the whole event validated as
    that type and says it is: a wrong guess (a `type` inside `data`) only costs time."""
    found = _TYPE.search(raw)
    model = data_model(found.group(1).decode()) if found else None
    if model is None:
        return None
    try:
        event = _envelope(model).model_validate_json(raw)
    except ValidationError:
        return None
    return event if event.type == model.event_type else None


def decode_event(raw: bytes | str) -> CloudEvent[EventData]:
    """Parse and validate one message; raises `MalformedMessage` or `UnknownEventType`."""
    if isinstance(raw, bytes) and (known := _decode_known(raw)) is not None:
        return known
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedMessage("not a JSON object")
    try:
        envelope = _ANY_ENVELOPE.model_validate(document)
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
    return _EVENT.model_construct(envelope.model_fields_set, **fields)
