"""Billing over months of simulated time, through the HTTP API and the test clock.

An independent Kafka consumer reads `billing.events` and validates every event
against the committed JSON Schemas, as other teams' consumers would.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from shared.testing.waiting import eventually
from tests.e2e.stack import Billing, read_all, validate

pytestmark = [pytest.mark.stack, pytest.mark.broker]


async def test_a_year_of_renewals_charges_every_month_once(billing: Billing, kafka: str) -> None:
    plan = await billing.post(
        "/v1/plans", {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    )
    assert plan.status_code == 201, plan.text
    customer_id = await billing.customer_with_card()
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["status"] == "active"
    start = datetime.fromisoformat(subscription["current_period_start"])

    now = await billing.advance(to=(start + timedelta(days=366)).isoformat())

    invoices = (await billing.get(f"/v1/invoices?subscription_id={subscription['id']}&limit=100")).json()[
        "data"
    ]
    assert len(invoices) == 13  # the first period and twelve renewals
    assert {i["status"] for i in invoices} == {"paid"}
    assert {json.dumps(i["total"]) for i in invoices} == {json.dumps({"amount": 1500, "currency": "USD"})}
    numbers = [i["number"] for i in invoices]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 13
    current = (await billing.get(f"/v1/subscriptions/{subscription['id']}")).json()
    assert (
        datetime.fromisoformat(current["current_period_start"])
        <= now
        < datetime.fromisoformat(current["current_period_end"])
    )

    events = await read_all(kafka, "billing.events")
    for event in events:
        validate(event)
    kinds = [e["type"] for e in events if e.get("subject") == subscription["id"]]
    assert kinds.count("subscription.renewed") == 12
    assert kinds.count("payment.succeeded") == 13
    assert kinds.count("invoice.paid") == 13


async def test_a_failing_card_makes_the_subscription_past_due_and_says_why(
    billing: Billing, kafka: str
) -> None:
    await billing.post(
        "/v1/plans", {"code": "basic", "name": "Basic", "amount": 900, "currency": "EUR", "interval": "month"}
    )
    customer_id = await billing.customer_with_card("pm_card_chargeDeclinedInsufficientFunds")
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "basic"})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "past_due"

    events = await eventually(
        lambda: read_all(kafka, "billing.events"),
        lambda es: any(e["type"] == "payment.failed" for e in es),
        timeout=30,
    )
    failed = next(e for e in events if e["type"] == "payment.failed")
    validate(failed)
    assert failed["data"]["decline_code"] == "insufficient_funds"  # type: ignore[index]
    assert failed["data"]["amount"] == {"amount": 900, "currency": "EUR"}  # type: ignore[index]
    assert failed["subject"] == created.json()["id"]


async def test_duplicate_posts_with_one_idempotency_key_create_one_customer(billing: Billing) -> None:
    body = {"email": "dup@example.com", "name": "Dup", "timezone": "UTC"}
    first = await billing.post("/v1/customers", body, **{"Idempotency-Key": "abc-123"})
    again = await billing.post("/v1/customers", body, **{"Idempotency-Key": "abc-123"})
    other = await billing.post("/v1/customers", {**body, "name": "Else"}, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 409
    assert other.json()["error"]["field"] == "Idempotency-Key"
