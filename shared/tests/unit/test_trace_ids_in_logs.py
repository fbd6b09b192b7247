"""A log line written inside a span names its trace, so one request's lines can be found
across the three services; outside a span it carries no `trace_id` at all."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from shared.logs import JsonFormatter
from shared.tracing import tracer, use_provider


def _line() -> dict[str, object]:
    record = logging.LogRecord("billing", logging.INFO, __file__, 1, "charged", None, None)
    parsed: dict[str, object] = json.loads(JsonFormatter("billing").format(record))
    return parsed


def test_a_line_inside_a_span_carries_its_trace_id() -> None:
    use_provider(TracerProvider())
    try:
        with tracer().start_as_current_span("request") as span:
            line = _line()
        assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    finally:
        use_provider(None)


def test_a_line_outside_any_span_has_no_trace_id() -> None:
    assert "trace_id" not in _line()


def test_with_tracing_off_spans_are_the_no_op_ones_and_lines_stay_as_they_were() -> None:
    with tracer().start_as_current_span("request") as span:
        assert not span.get_span_context().is_valid
        assert "trace_id" not in _line()
