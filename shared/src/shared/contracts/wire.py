"""How an event travels on Kafka: the CloudEvents Kafka binding, in structured mode.

The value is the whole CloudEvent as JSON and the `content-type` header says so. No
header starts with `ce_`: the CloudEvents SDKs read such a header as binary mode, and
would then look for the attributes in the headers instead of the value. The key is the
event's subject, so one subscription's (or customer's) events share a partition and
keep their order. Dead letters keep the value, key and content type they arrived with,
and add `dlq-*` headers that say why and where from.
"""

from __future__ import annotations

from typing import Any

from shared.contracts.base import CloudEvent, EventData

CLOUDEVENTS_JSON = "application/cloudevents+json"
CONTENT_TYPE = "content-type"
KAFKA_BINDING_VERSION = "0.5.0"
ORIGINAL_KEY = "The original message's key: a subscription or customer id."

STRUCTURED_HEADERS: dict[str, Any] = {
    "type": "object",
    "title": "CloudEvents structured-mode headers",
    "description": "The whole event is the value. There are no `ce_` headers; a consumer "
    "ignores any other header it finds (the producer's client may add its own).",
    "properties": {
        CONTENT_TYPE: {"const": CLOUDEVENTS_JSON, "type": "string"},
        "traceparent": {
            "type": "string",
            "description": "W3C trace context of the request that caused the event, when the "
            "producer traces; a consumer that traces continues it.",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
        },
    },
    "required": [CONTENT_TYPE],
}

_DEAD_LETTER_FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "dlq-kind": (
        "Why: `malformed` (could never be read) or `handler_failed` (failed on every attempt).",
        {"enum": ["malformed", "handler_failed"]},
    ),
    "dlq-reason": ("The error, at most 1000 characters.", {}),
    "dlq-consumer": ("The consumer that gave up, e.g. `pause.billing-events`.", {}),
    "dlq-attempts": ("How many times it was tried.", {"pattern": "^[0-9]+$"}),
    "dlq-source-topic": ("The topic it came from.", {}),
    "dlq-source-partition": ("Its partition there.", {"pattern": "^[0-9]+$"}),
    "dlq-source-offset": ("Its offset there.", {"pattern": "^[0-9]+$"}),
    "dlq-failed-at": ("When it was dead-lettered, ISO 8601 UTC.", {}),
}
DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "title": "Dead-letter headers",
    "description": "The `dlq-*` headers, plus the `content-type` the message arrived with "
    "(structured mode, so the CloudEvents SDKs still read a dead letter as an event).",
    "properties": {
        CONTENT_TYPE: {"type": "string", "description": "As the message arrived."},
        **{
            name: {"type": "string", "description": description, **rules}
            for name, (description, rules) in _DEAD_LETTER_FIELDS.items()
        },
    },
    "required": sorted(_DEAD_LETTER_FIELDS),
}


def key_schema(model: type[EventData]) -> dict[str, Any]:
    """The Kafka key of `model`'s events, which `EventData.subject` picks."""
    fields = model.model_fields
    if "subscription_id" in fields and fields["subscription_id"].is_required():
        what = "The subscription id (`data.subscription_id`)"
    elif "subscription_id" in fields:
        what = (
            "The subscription id (`data.subscription_id`) when there is one, "
            "else the customer id (`data.customer_id`)"
        )
    else:
        what = "The customer id (`data.customer_id`)"
    return {
        "type": "string",
        "description": f"{what}, also the CloudEvents `subject`. Events with one key share a "
        "partition and arrive in the order they were published.",
    }


def dead_letter_message(example: CloudEvent[Any]) -> dict[str, Any]:
    return {
        "name": "dead_letter",
        "title": "Dead letter",
        "summary": "A message no consumer could process, exactly as it arrived, with why.",
        "description": "The value and key are the original message's. Usually it is one of the "
        "source topic's CloudEvents (`dlq-kind: handler_failed`); a `malformed` one may not "
        "even be JSON.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original message's value, unchanged."},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": ORIGINAL_KEY},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {
                "name": "handler_failed",
                "summary": "A customer.created that pause's consumer failed on three times.",
                "headers": {
                    CONTENT_TYPE: CLOUDEVENTS_JSON,
                    "dlq-kind": "handler_failed",
                    "dlq-reason": "OperationalError: database is locked",
                    "dlq-consumer": "pause.billing-events",
                    "dlq-attempts": "3",
                    "dlq-source-topic": "billing.events",
                    "dlq-source-partition": "2",
                    "dlq-source-offset": "1041",
                    "dlq-failed-at": "2026-03-10T09:30:02.417000+00:00",
                },
                "payload": example.model_dump(mode="json"),
            }
        ],
    }
