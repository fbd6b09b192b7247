"""Dunning's cases end as one in-order delivery leaves them, wherever the facts allow it.

Billing's events about a customer and a subscription are delivered in any order, some
twice, in batches, through dunning's real consumer on a real database. In-order, a
failed payment opens a case that a later payment, cancellation or pause closes; out of
order, the closing fact may come first, and then no case opens at all. Either way the
cases left open, and what each open case knows about the customer, must be the same;
and no case is ever open for an invoice that was paid.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dunning.adapters.orm import dunning_cases, settled_invoices
from dunning.bootstrap import bootstrap
from dunning.settings import DunningSettings
from shared.clock import TestClock
from shared.contracts.base import EventData
from shared.contracts.billing import (
    CustomerCreated,
    InvoicePaid,
    PaymentFailed,
    PaymentSucceeded,
    SubscriptionCanceled,
    SubscriptionPaused,
)
from shared.messaging.dead_letters import SourceInfo
from shared.money import Money
from shared.testing.databases import MigratedCopies
from shared.testing.orders import Message, deliveries, in_order, messages, sources
from shared.testing.services import settings_for

START = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
PRICE = Money.of(1500, "EUR")
STEPS = ("fail", "fail", "retry_fails", "paid", "invoice_paid", "pause", "cancel")
numbers = itertools.count()


class NoDeadLetters:
    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        raise AssertionError(f"nothing here should be dead-lettered: {headers}")


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> MigratedCopies:
    return MigratedCopies(tmp_path_factory.mktemp("cases"), "dunning")


def lifecycle(steps: Sequence[str]) -> tuple[str, list[EventData]]:
    """Billing's facts about one subscription and its customer, in publishing order:
    renewals that fail, retries that fail or pay, a pause or a cancellation."""
    n = next(numbers)
    customer, subscription = f"cus_{n}", f"sub_{n}"
    ids = {"subscription_id": subscription, "customer_id": customer}
    events: list[EventData] = [
        CustomerCreated(
            customer_id=customer, email="a@example.com", name="A", timezone="Asia/Tokyo", created_at=START
        )
    ]
    invoice, attempt, ended = None, 0, False
    for number, step in enumerate(steps):
        at = START + timedelta(days=number)
        payment = {**ids, "amount": PRICE, "attempted_at": at}
        if ended:
            break
        if step == "fail" and invoice is None:
            invoice, attempt = f"in_{n}_{number}", 1
            events.append(
                PaymentFailed(
                    **payment,
                    payment_id=f"pay_{n}_{number}",
                    invoice_id=invoice,
                    attempt_number=1,
                    decline_code="insufficient_funds",
                )
            )
        elif step == "retry_fails" and invoice is not None:
            attempt += 1
            events.append(
                PaymentFailed(
                    **payment,
                    payment_id=f"pay_{n}_{number}",
                    invoice_id=invoice,
                    attempt_number=attempt,
                    decline_code="insufficient_funds",
                )
            )
        elif step in ("paid", "invoice_paid") and invoice is not None:
            attempt += 1
            events.append(
                PaymentSucceeded(
                    **payment, payment_id=f"pay_{n}_{number}", invoice_id=invoice, attempt_number=attempt
                )
            )
            if step == "invoice_paid":
                events.append(
                    InvoicePaid(**ids, invoice_id=invoice, number="2026-000001", total=PRICE, paid_at=at)
                )
            invoice = None
        elif step == "pause":
            events.append(
                SubscriptionPaused(
                    **ids, pause_id=f"bp_{n}", paused_at=at, resumes_at=at + timedelta(days=30)
                )
            )
            ended = True
        elif step == "cancel":
            events.append(
                SubscriptionCanceled(**ids, canceled_at=at, reason="moving", requested_by="customer")
            )
            ended = True
    return subscription, events


async def cases_left(url: str, batches: list[list[Message]]) -> dict[str, Any]:
    service = bootstrap(settings_for(DunningSettings, DUNNING_DATABASE_URL=url), clock=TestClock(START))
    consumer = next(c for c in service.consumers if c.topic.value == "billing.events")
    consumer.dead_letters = NoDeadLetters()
    try:
        offset = 0
        for batch in batches:
            await consumer.process_batch(sources(batch, offset))
            offset += len(batch)
        async with service.engine.connect() as conn:
            cases = (await conn.execute(select(dunning_cases))).all()
            paid = {row.invoice_id for row in await conn.execute(select(settled_invoices))}
        return {
            "open": sorted((c.invoice_id, c.state.count("Asia/Tokyo")) for c in cases if c.status == "open"),
            "ever": {c.invoice_id for c in cases},
            "open_but_paid": sorted(
                c.invoice_id for c in cases if c.status == "open" and c.invoice_id in paid
            ),
        }
    finally:
        await service.engine.dispose()


@st.composite
def lives_and_deliveries(draw: st.DrawFn) -> tuple[list[Message], list[list[Message]]]:
    _, events = lifecycle(draw(st.lists(st.sampled_from(STEPS), max_size=8)))
    stream = messages(events, START, "/billing")
    return stream, draw(deliveries(stream))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=lives_and_deliveries())
def test_any_order_with_duplicates_leaves_the_same_cases_open_and_none_for_a_paid_invoice(
    databases: MigratedCopies, case: tuple[list[Message], list[list[Message]]]
) -> None:
    stream, delivered = case

    expected = asyncio.run(cases_left(databases.fresh(), in_order(stream)))
    got = asyncio.run(cases_left(databases.fresh(), delivered))

    assert got["open"] == expected["open"]
    assert got["ever"] <= expected["ever"], "a case only where the in-order delivery has one"
    assert got["open_but_paid"] == []


def test_a_failure_delivered_after_its_invoice_was_paid_opens_no_case(databases: MigratedCopies) -> None:
    """What broke before: `payment.succeeded` ahead of an earlier `payment.failed` opened a
    case for a paid invoice, and reminders went to a customer who had paid."""
    _, events = lifecycle(["fail", "paid"])
    created, failed, succeeded = messages(events, START, "/billing")

    state = asyncio.run(cases_left(databases.fresh(), [[created], [succeeded], [failed]]))

    assert state["ever"] == set()


def test_a_customer_heard_of_after_the_failure_lends_their_timezone_to_the_open_case(
    databases: MigratedCopies,
) -> None:
    _, events = lifecycle(["fail"])
    created, failed = messages(events, START, "/billing")

    state = asyncio.run(cases_left(databases.fresh(), [[failed], [created]]))

    [(_, in_tokyo)] = state["open"]
    assert in_tokyo == 1, "quiet hours follow the customer's own timezone"


def test_a_customer_heard_of_in_the_failures_own_batch_lends_their_timezone_to_the_open_case(
    databases: MigratedCopies,
) -> None:
    """A batch looks once for its new customers' open cases, before it applies anything:
    the case the same batch opened must still learn where its customer lives."""
    _, events = lifecycle(["fail"])
    created, failed = messages(events, START, "/billing")

    state = asyncio.run(cases_left(databases.fresh(), [[failed, created]]))

    [(_, in_tokyo)] = state["open"]
    assert in_tokyo == 1, "quiet hours follow the customer's own timezone"


def test_a_cancel_in_the_failures_own_batch_closes_the_case_it_opened(databases: MigratedCopies) -> None:
    """A batch looks once for which of its subscriptions have open cases; the case the
    same batch opened is still found, and closed, by the cancel after it."""
    _, events = lifecycle(["fail", "cancel"])
    created, failed, canceled = messages(events, START, "/billing")

    state = asyncio.run(cases_left(databases.fresh(), [[created], [failed, canceled]]))

    assert state["ever"] != set(), "the failure opened a case"
    assert state["open"] == [], "the cancel closed it"
