"""JSON Schema of every event type, committed under `contracts/schemas/`.

Each schema describes the whole CloudEvents envelope with `type` fixed and `data`
typed, which is what an independent consumer validates a message against.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import create_model

from shared.contracts.base import CloudEvent, EventData
from shared.contracts.registry import ALL_TYPES


@cache
def envelope_model(model: type[EventData]) -> type[CloudEvent[Any]]:
    """The envelope of `model`'s events: `type` fixed to its event type, `data` typed."""
    name = "".join(part.capitalize() for part in model.event_type.replace("_", ".").split("."))
    fixed_type: Any = Literal[model.event_type]
    base: type[CloudEvent[Any]] = CloudEvent[model]  # type: ignore[valid-type]
    return create_model(f"{name}Event", __base__=base, type=(fixed_type, ...))


def description_of(model: type[EventData]) -> str:
    return (model.__doc__ or f"The `{model.event_type}` event.").strip()


def envelope_schema(model: type[EventData]) -> dict[str, Any]:
    """A standalone JSON Schema: its own `$id`, and `$defs` that its refs resolve within."""
    schema = envelope_model(model).model_json_schema(mode="serialization")
    schema["$id"] = f"urn:beach-billing:schema:{model.event_type}:v{model.version}"
    schema["title"] = model.event_type
    schema["description"] = description_of(model)
    schema["x-topic"] = model.topic.value
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    return {model.event_type: envelope_schema(model) for model in ALL_TYPES}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def export(folder: Path) -> list[Path]:
    """Write one `<type>.json` per event type; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in all_schemas().items():
        path = folder / f"{event_type}.json"
        path.write_text(render(schema))
        written.append(path)
    return written
