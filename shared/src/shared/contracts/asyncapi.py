"""The AsyncAPI 3.0 document of every topic and message, generated from the contracts.

Other teams read `contracts/asyncapi.json` to learn what they can consume; it is
generated from the same models the services use, so it cannot go stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.contracts.base import Topic
from shared.contracts.registry import types_on
from shared.contracts.schema import envelope_schema

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


def _message_name(event_type: str) -> str:
    return event_type.replace(".", "_")


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in Topic:
        channel_id = _message_name(topic.value)
        channel_messages = {}
        for model in types_on(topic):
            name = _message_name(model.event_type)
            messages[name] = {
                "name": model.event_type,
                "title": model.event_type,
                "summary": (model.__doc__ or "").strip().split("\n")[0] or model.event_type,
                "contentType": "application/cloudevents+json",
                "bindings": {"kafka": {"key": {"type": "string", "description": "subject"}}},
                "payload": envelope_schema(model),
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel_id] = {
            "address": topic.value,
            "description": f"Dead letters go to `{topic.dlq}`.",
            "messages": channel_messages,
        }
        for role, services in (("send", PRODUCERS[topic]), ("receive", CONSUMERS[topic])):
            for service in services:
                operations[f"{service}_{role}_{channel_id}"] = {
                    "action": role,
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                    "summary": f"{service} {'publishes to' if role == 'send' else 'consumes'} {topic.value}",
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Subscription billing events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 JSON on Kafka. Keys are subscription ids (or customer "
            "ids for customer-level events). Money is integer minor units plus ISO 4217. "
            "Changes are additive only.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render() -> str:
    return json.dumps(asyncapi_document(), indent=2, sort_keys=True) + "\n"


def export(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
