"""Prometheus metrics every service exposes at `/metrics`.

The message counters double as the test clock's bookkeeping: what a service has
published and consumed is exactly what these count.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_PUBLISHED = Counter("messages_published_total", "Messages the outbox relay published.", ["topic"])
MESSAGES_CONSUMED = Counter(
    "messages_consumed_total",
    "Messages consumed, by outcome: processed, duplicate, ignored, dead_lettered.",
    ["topic", "type", "outcome"],
)
HANDLER_FAILURES = Counter(
    "message_handler_failures_total", "Handler attempts that raised.", ["topic", "type"]
)
OUTBOX_PENDING = Gauge("outbox_pending_messages", "Outbox rows not yet published.")
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests served.", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency.", ["route"])
