"""Distributed traces: one trace from an HTTP request through the outbox to every consumer.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set: then nothing here builds the SDK, the
tracer is the API's no-op one and HTTP apps are not instrumented, so a service without a
collector pays nothing. The link between services is the W3C `traceparent`: stored with
each outbox row in the transaction that wrote the event (the span that caused it), sent
by the relay as a Kafka header, and read by the consumer, whose span per handled event
is a child of it. The relay adds no span of its own: one batch carries many traces.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NoOpTracer, Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider

TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
_NO_OP = NoOpTracer()
_provider: TracerProvider | None = None


def use_provider(provider: TracerProvider | None) -> None:
    """Trace with `provider` from now on (None: stop tracing). Kept here, not as the
    API's global provider, which can be set only once per process: tests swap it."""
    global _provider
    _provider = provider


def configure_tracing(service: str, endpoint: str | None) -> None:
    """Export spans over OTLP/HTTP to `endpoint` (a collector's base address)."""
    if not endpoint:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    use_provider(provider)


def tracer() -> Tracer:
    return _provider.get_tracer("shared") if _provider is not None else _NO_OP


def instrument_app(app: FastAPI) -> None:
    """A server span per HTTP request, when tracing is on."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider, exclude_spans=["receive", "send"])


def current_traceparent() -> str | None:
    """The `traceparent` of the active span, to store with an event; None outside one."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_of(traceparent: str | None) -> Context | None:
    """The parent context a message carried; None (a new trace) if it carried none."""
    if not traceparent:
        return None
    return _PROPAGATOR.extract({TRACEPARENT: traceparent})


def handling_span(
    name: str, traceparent: str | None, topic: str, event_id: str
) -> AbstractContextManager[Span]:
    """The consumer's span for one event, a child of the span that wrote it."""
    return tracer().start_as_current_span(
        name,
        context=context_of(traceparent),
        kind=SpanKind.CONSUMER,
        attributes={"messaging.destination.name": topic, "messaging.message.id": event_id},
    )


def resumed_span(name: str, traceparent: str | None) -> AbstractContextManager[Span]:
    """Work done later for something that began in a trace (a case's reminder, days after
    the failed payment that opened it): a child of the span it began in, so one trace
    holds the request, the case and each message about it."""
    return tracer().start_as_current_span(name, context=context_of(traceparent), kind=SpanKind.INTERNAL)


def current_trace_id() -> str | None:
    """The active trace's id as 32 hex digits, for log lines; None outside a span."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
