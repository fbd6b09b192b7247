"""Traces are made only when an OTLP endpoint is configured, and then go there."""

from __future__ import annotations

import pytest
from opentelemetry.trace import NoOpTracer

from shared import tracing
from shared.settings import ServiceSettings


def test_without_an_endpoint_the_tracer_is_the_no_op_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    settings = ServiceSettings()
    tracing.configure_tracing("billing", settings.otel_exporter_otlp_endpoint)
    assert isinstance(tracing.tracer(), NoOpTracer)


def test_an_endpoint_in_the_settings_turns_on_export_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    settings = ServiceSettings()
    tracing.configure_tracing("billing", settings.otel_exporter_otlp_endpoint)
    try:
        provider = tracing._provider
        assert provider is not None
        assert provider.resource.attributes["service.name"] == "billing"
        assert tracing.tracer().start_span("x").get_span_context().is_valid
    finally:
        if tracing._provider is not None:
            tracing._provider.shutdown()
        tracing.use_provider(None)
