"""Prometheus metrics every service exposes at `/metrics`.

The message counters double as the test clock's bookkeeping: what a service has
published and consumed is exactly what these count.

A label whose value comes from input (an event's type, a template id) goes through a
`LabelValues`: every distinct value is a new series in Prometheus, kept for as long as
the process runs, so a stream of made-up types would otherwise grow memory and every
query without bound.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

from shared.contracts.registry import BY_TYPE

log = logging.getLogger(__name__)

UNKNOWN = "unknown"

MESSAGES_PUBLISHED = Counter("messages_published_total", "Messages the outbox relay published.", ["topic"])
MESSAGES_CONSUMED = Counter(
    "messages_consumed_total",
    "Messages consumed, by outcome (processed, duplicate, ignored, dead_lettered); `type` is "
    "`unknown` for a type this build does not know, and `malformed` for what is not an event.",
    ["topic", "type", "outcome"],
)
HANDLER_FAILURES = Counter(
    "message_handler_failures_total",
    "Handler attempts that raised on a message's content; `type` is `unknown` for a type this "
    "build does not know.",
    ["topic", "type"],
)
HANDLER_LATENCY = Histogram(
    "message_handler_duration_seconds",
    "Time one handler call took, inside its transaction, by consumer and event type.",
    ["consumer", "type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
CONSUMER_WAITS = Counter(
    "consumer_dependency_waits_total",
    "Times a consumer waited for its database or broker to come back; the messages come again after.",
    ["consumer"],
)
CONSUMER_LAG = Gauge(
    "consumer_lag_messages",
    "Messages on a partition past its consumer group's committed offset: the partition's end offset "
    "as the broker reports it, less the committed one. The embedded broker (Tansu) reports the end "
    "after batched writes as the last batch's first offset + 1, so there this reads low (never "
    "high) by up to one batch; Apache Kafka reports it exactly.",
    ["group", "topic", "partition"],
)
OUTBOX_PENDING = Gauge("outbox_pending_messages", "Outbox rows not yet published.")
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest outbox row not yet published, by its event time (0 when none waits).",
)
BROKER_LOSSES = Counter(
    "broker_losses_total",
    "Times the relay found the broker had lost events it acknowledged, and republished.",
)
READINESS = Gauge(
    "readiness_check_ok",
    "1 while a readiness check passes, 0 while it fails; /readyz answers 503 unless all are 1.",
    ["check"],
)
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests served.", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency.", ["route"])
UNKNOWN_LABEL_VALUES = Counter(
    "metric_label_values_unknown_total",
    "Label values from input that are not in the label's known set, recorded as `unknown` instead.",
    ["metric", "label"],
)


class LabelValues:
    """The known values of one label taken from input; anything else becomes `unknown`.

    An unknown value is counted in `metric_label_values_unknown_total` and logged the
    first time it is seen (remembering at most `remember` of them, so the log stays
    bounded too).
    """

    def __init__(self, metric: str, label: str, known: Iterable[str], *, remember: int = 1000) -> None:
        self.metric, self.label = metric, label
        self.known = frozenset(known)
        self.remember = remember
        self._logged: set[str] = set()

    def __call__(self, value: str | None) -> str:
        if value is not None and value in self.known:
            return value
        UNKNOWN_LABEL_VALUES.labels(self.metric, self.label).inc()
        shown = (value or "")[:100]
        if shown not in self._logged and len(self._logged) < self.remember:
            self._logged.add(shown)
            log.warning(
                "a value this build does not know; recorded and counted as `unknown`",
                extra={"metric": self.metric, "label": self.label, "value": shown},
            )
        return UNKNOWN

    def quiet(self, value: str) -> str:
        """The same answer, for another metric about a value already counted once."""
        return value if value in self.known else UNKNOWN


def event_types(metric: str) -> LabelValues:
    """The `type` label of a message metric: every type in the contracts."""
    return LabelValues(metric, "type", BY_TYPE)
