"""The AsyncAPI 3.1 document of every topic and message, generated from the contracts.

Other teams read `contracts/asyncapi.json` to learn what they can consume, and feed it
to AsyncAPI tools, so it must parse as one document: every schema lives once under
`components.schemas` and every `$ref` resolves from the document's root (the standalone
schemas in `contracts/schemas/` carry their own `$id` and `$defs` instead). It is
generated from the same models the services use, so it cannot go stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.contracts.base import EventData, Topic
from shared.contracts.examples import example_event
from shared.contracts.registry import ALL_TYPES
from shared.contracts.schema import description_of, envelope_model
from shared.contracts.wire import (
    CLOUDEVENTS_JSON,
    DEAD_LETTER_HEADERS,
    KAFKA_BINDING_VERSION,
    STRUCTURED_HEADERS,
    dead_letter_message,
    key_schema,
)

PRODUCERS: dict[Topic, tuple[str, ...]] = {
    Topic.BILLING_EVENTS: ("billing",),
    Topic.BILLING_COMMANDS: ("dunning", "pause"),
    Topic.DUNNING_EVENTS: ("dunning",),
    Topic.PAUSE_EVENTS: ("pause",),
    Topic.NOTIFICATIONS: ("dunning", "pause"),
}
CONSUMERS: dict[Topic, tuple[str, ...]] = {
    Topic.BILLING_EVENTS: ("dunning", "pause"),
    Topic.BILLING_COMMANDS: ("billing",),
    Topic.DUNNING_EVENTS: ("pause",),
    Topic.PAUSE_EVENTS: ("billing",),
    Topic.NOTIFICATIONS: ("notifier",),
}
SCHEMAS = "#/components/schemas/"


def _id(name: str) -> str:
    return name.replace(".", "_")


def component_schemas() -> tuple[dict[str, Any], dict[str, str]]:
    """Every envelope, payload and shared type once; answers them with each event
    type's envelope schema name."""
    envelopes = {model.event_type: envelope_model(model) for model in ALL_TYPES}
    refs, top = models_json_schema(
        [(envelope, "serialization") for envelope in envelopes.values()],
        ref_template=SCHEMAS + "{model}",
    )
    schemas: dict[str, Any] = top["$defs"]
    names = {}
    for model in ALL_TYPES:
        name = refs[(envelopes[model.event_type], "serialization")]["$ref"].removeprefix(SCHEMAS)
        schemas[name] |= {"title": model.event_type, "description": description_of(model)}
        names[model.event_type] = name
    schemas["CloudEventsKafkaHeaders"] = STRUCTURED_HEADERS
    schemas["DeadLetterHeaders"] = DEAD_LETTER_HEADERS
    return schemas, names


def event_message(model: type[EventData], schema_name: str) -> dict[str, Any]:
    example = example_event(model, source=f"/{PRODUCERS[model.topic][0]}")
    return {
        "name": model.event_type,
        "title": model.event_type,
        "summary": description_of(model).split("\n")[0],
        "contentType": CLOUDEVENTS_JSON,
        "headers": {"$ref": f"{SCHEMAS}CloudEventsKafkaHeaders"},
        "payload": {"$ref": f"{SCHEMAS}{schema_name}"},
        "bindings": {"kafka": {"key": key_schema(model), "bindingVersion": KAFKA_BINDING_VERSION}},
        "examples": [
            {
                "name": f"{_id(model.event_type)}_example",
                "summary": f"Published with the Kafka key `{example.key}`.",
                "headers": {"content-type": CLOUDEVENTS_JSON},
                "payload": example.model_dump(mode="json"),
            }
        ],
    }


def _channels(messages: dict[str, Any]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for topic in Topic:
        on_topic = {
            _id(m.event_type): {"$ref": f"#/components/messages/{_id(m.event_type)}"}
            for m in ALL_TYPES
            if m.topic is topic
        }
        channels[_id(topic.value)] = {
            "address": topic.value,
            "description": f"Dead letters go to `{topic.dlq}`.",
            "messages": on_topic,
        }
        channels[_id(topic.dlq)] = {
            "address": topic.dlq,
            "description": f"What a consumer of `{topic.value}` could never process, with why; "
            "`<service> dlq redrive` puts it back.",
            "messages": {"dead_letter": {"$ref": "#/components/messages/dead_letter"}},
        }
    return channels


def _operation(service: str, action: str, channel: str, summary: str) -> tuple[str, dict[str, Any]]:
    body = {"action": action, "channel": {"$ref": f"#/channels/{channel}"}, "summary": summary}
    return f"{service}_{action}_{channel}", body


def _operations() -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for topic in Topic:
        channel, dlq = _id(topic.value), _id(topic.dlq)
        for service in PRODUCERS[topic]:
            operations.update([_operation(service, "send", channel, f"{service} publishes to {topic.value}")])
        for service in CONSUMERS[topic]:
            operations.update([_operation(service, "receive", channel, f"{service} consumes {topic.value}")])
            operations.update([_operation(service, "send", dlq, f"{service} dead-letters to {topic.dlq}")])
    return operations


def asyncapi_document() -> dict[str, Any]:
    schemas, names = component_schemas()
    messages = {_id(m.event_type): event_message(m, names[m.event_type]) for m in ALL_TYPES}
    messages["dead_letter"] = dead_letter_message(example_event(ALL_TYPES[0], source="/billing"))
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Subscription billing events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 JSON on Kafka, in structured mode: the value is the "
            "whole event, the `content-type` header is `application/cloudevents+json`, and there "
            "are no `ce_` headers. Keys are subscription ids (or customer ids for customer-level "
            "events). Money is integer minor units plus ISO 4217. Changes are additive only. "
            "See docs/consuming-events.md.",
        },
        "defaultContentType": CLOUDEVENTS_JSON,
        "channels": _channels(messages),
        "operations": _operations(),
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    return json.dumps(asyncapi_document(), indent=2, sort_keys=True) + "\n"


def export(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
