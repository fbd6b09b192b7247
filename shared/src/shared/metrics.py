"""Prometheus metrics every service exposes at `/metrics`.

The message counters double as the test clock's bookkeeping: what a service has
published and consumed is exactly what these count.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_PUBLISHED = Counter("messages_published_total", "Messages the outbox relay published.", ["topic"])
MESSAGES_CONSUMED = Counter(
    "messages_consumed_total",
    "Messages consumed, by outcome (processed, duplicate, ignored, dead_lettered); `type` is "
    "`unknown` for a type this build does not know, and `malformed` for what is not an event.",
    ["topic", "type", "outcome"],
)
HANDLER_FAILURES = Counter(
    "message_handler_failures_total",
    "Handler attempts that raised on a message's content.",
    ["topic", "type"],
)
CONSUMER_WAITS = Counter(
    "consumer_dependency_waits_total",
    "Times a consumer waited for its database or broker to come back; the messages come again after.",
    ["consumer"],
)
OUTBOX_PENDING = Gauge("outbox_pending_messages", "Outbox rows not yet published.")
BROKER_LOSSES = Counter(
    "broker_losses_total",
    "Times the relay found the broker had lost events it acknowledged, and republished.",
)
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests served.", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency.", ["route"])
