"""One request's trace follows its events through the outbox and Kafka into dunning."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.testing.waiting import eventually
from shared.tracing import use_provider

from .test_messaging_on_real_broker import ADMIN, Stack, stack

pytestmark = pytest.mark.broker
__all__ = ["stack"]  # the fixture, shared with the messaging tests


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_provider(provider)
    yield exporter
    use_provider(None)
    provider.shutdown()


async def test_a_declined_first_charge_is_one_trace_from_the_request_to_dunnings_case(
    spans: InMemorySpanExporter, stack: Stack
) -> None:
    async with stack.http(stack.billing) as billing:
        plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
        assert (await billing.post("/v1/plans", json=plan, headers=ADMIN)).status_code == 201
        body = {"email": "lin@example.com", "name": "Lin", "timezone": "UTC"}
        customer = (await billing.post("/v1/customers", json=body, headers=ADMIN)).json()
        card = {"payment_method": "pm_card_chargeDeclinedExpiredCard"}
        path = f"/v1/customers/{customer['id']}/payment-methods"
        assert (await billing.post(path, json=card, headers=ADMIN)).status_code == 201
        spans.clear()
        subscription = {"customer_id": customer["id"], "plan_code": "pro"}
        assert (await billing.post("/v1/subscriptions", json=subscription, headers=ADMIN)).status_code == 201

    def request() -> ReadableSpan:
        [server] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
        return server

    async def case_opening() -> list[ReadableSpan]:
        return [s for s in spans.get_finished_spans() if s.name == "dunning.billing-events payment.failed"]

    [opening] = await eventually(case_opening, what="dunning's span for the failed payment")
    server = request()
    assert server.name == "POST /v1/subscriptions"
    assert opening.context.trace_id == server.context.trace_id
    assert opening.parent is not None
    assert opening.parent.span_id == server.context.span_id
    assert opening.kind is SpanKind.CONSUMER

    async def in_trace() -> set[str]:
        return {s.name for s in spans.get_finished_spans() if s.context.trace_id == server.context.trace_id}

    # Pause hears the fact on its own consumer, which may come after dunning's.
    replicas = await eventually(
        in_trace, lambda names: "pause.billing-events subscription.past_due" in names, what="pause's span"
    )
    assert "pause.billing-events subscription.past_due" in replicas
