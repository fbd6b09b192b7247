"""One request's trace follows its events through the outbox and Kafka into dunning, and
on to the reminder dunning sends days later."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from dunning.adapters.mailer import FileMailer
from dunning.adapters.portal_links import BillingRecoverySessions
from dunning.service_layer.commands import RunDueCases
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.recovery import RecoveryLinks
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
        card = {"payment_method": "pm_card_chargeDeclinedInsufficientFunds"}
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

    # Days later dunning's scheduler reminds the customer: in the trace the case began in.
    async def delivered() -> set[str]:
        return await in_trace()

    # The handler's span ends before its batch commits, so the case may not be stored yet.
    reminded = await eventually(
        lambda: remind_later(stack), lambda done: done >= 1, what="the case's reminder"
    )
    assert reminded >= 1, "the case had a reminder due"
    names = await eventually(
        delivered, lambda found: "notifier notification.requested" in found, what="the reminder's span"
    )
    assert "dunning.scheduler due case" in names


async def remind_later(stack: Stack) -> int:
    """Dunning's scheduler at noon (UTC, the customer's zone) once the first reminder is
    due, two days on, so never in quiet hours whatever the hour the test runs; on the
    running service's database, whose relay and notifier then send the reminder."""
    settings = stack.dunning.settings
    sessions = BillingRecoverySessions(settings.billing_url, "unused: no link is opened here")
    links = RecoveryLinks(settings.portal_base_url, sessions)
    mailer = FileMailer(Path(tempfile.gettempdir()), "unused: the running notifier sends")
    bus = dunning_bus(stack.dunning.unit_of_work, book=settings.policy_book(), links=links, mailer=mailer)
    due = stack.dunning.infra.clock.now() + timedelta(days=2)
    later = due.replace(hour=12, minute=0, second=0, microsecond=0)
    later += timedelta(days=1) if later < due else timedelta(0)
    return await bus.handle(RunDueCases(later))
