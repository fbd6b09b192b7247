"""Gentle dunning and "on the beach" across the three services, the broker and the test clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.testing.waiting import eventually
from tests.e2e.cloudevents_sdk import assert_the_sdk_reads_what_was_published
from tests.e2e.stack import FINANCE, Billing, read_all, validate

pytestmark = [pytest.mark.stack, pytest.mark.broker]


async def subscribe(billing: Billing, card: str, plan: str = "pro") -> tuple[str, dict[str, Any]]:
    answer = await billing.post(
        "/v1/plans", {"code": plan, "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    )
    assert answer.status_code in (201, 409), answer.text
    customer_id = await billing.customer_with_card(card)
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": plan})
    assert created.status_code == 201, created.text
    return customer_id, created.json()


async def dunning_cases(billing: Billing, customer_id: str) -> list[dict[str, Any]]:
    answer = await billing.client.get(
        f"{billing.dunning_url}/v1/dunning/cases?customer_id={customer_id}", headers=FINANCE
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]  # type: ignore[no-any-return]


async def test_an_expired_card_replaced_two_days_later_recovers_with_zero_reminders(
    billing: Billing, kafka: str
) -> None:
    customer_id, subscription = await subscribe(billing, "pm_card_chargeDeclinedExpiredCard")
    assert subscription["status"] == "past_due"
    [case] = await eventually(lambda: dunning_cases(billing, customer_id), lambda cases: len(cases) == 1)
    assert case["decline_class"] == "expired_card"

    await billing.advance(seconds=2 * 86400)
    replaced = await billing.post(
        f"/v1/customers/{customer_id}/payment-methods", {"payment_method": "pm_card_visa"}
    )
    assert replaced.status_code == 201
    await billing.advance(seconds=3600)

    [case] = await dunning_cases(billing, customer_id)
    assert case["outcome"] == "recovered"
    assert case["reminders_sent"] == 0
    current = (await billing.get(f"/v1/subscriptions/{subscription['id']}")).json()
    assert current["status"] == "active"
    for event in await read_all(kafka, "dunning.events"):
        validate(event)
    assert not [e for e in await read_all(kafka, "notifications") if e["subject"] == subscription["id"]]
    # An outside consumer with the CloudEvents SDK reads what each service published.
    topics = {
        "billing.events": ("billing",),
        "billing.commands": ("dunning", "pause"),
        "dunning.events": ("dunning",),
    }
    read = await assert_the_sdk_reads_what_was_published(billing, kafka, topics)
    assert {"payment.failed", "payment.retry", "dunning.case_closed"} <= read


async def test_a_customer_pauses_for_two_months_pays_two_fees_and_comes_back(billing: Billing) -> None:
    customer_id, subscription = await subscribe(billing, "pm_card_visa")
    session = (await billing.post("/v1/portal-sessions", {"customer_id": customer_id})).json()
    me = {"Authorization": f"Bearer {session['token']}"}
    pause_url = f"{billing.pause_url}/v1/subscriptions/{subscription['id']}"

    async def replica_ready() -> httpx.Response:
        return await billing.client.get(f"{pause_url}/pause-options", headers=me)

    await eventually(replica_ready, lambda r: r.status_code == 200)
    paused = await billing.client.post(f"{pause_url}/pause", json={"months": 2}, headers=me)
    assert paused.status_code == 201, paused.text
    pause = paused.json()
    period_end = datetime.fromisoformat(subscription["current_period_end"])
    assert datetime.fromisoformat(pause["starts_at"]) == period_end

    await billing.advance(to=(period_end + timedelta(hours=1)).isoformat())
    assert (await billing.get(f"/v1/subscriptions/{subscription['id']}")).json()["status"] == "paused"

    resumes_at = datetime.fromisoformat(pause["resumes_at"])
    await billing.advance(to=(resumes_at + timedelta(hours=1)).isoformat())
    invoices = (await billing.get(f"/v1/invoices?subscription_id={subscription['id']}")).json()["data"]
    contexts = [(i["context"], i["total"]["amount"], i["status"]) for i in invoices]
    assert contexts == [
        ("subscription", 1500, "paid"),
        ("beach_fee", 100, "paid"),
        ("beach_fee", 100, "paid"),
        ("subscription", 1500, "paid"),
    ]
    current = (await billing.get(f"/v1/subscriptions/{subscription['id']}")).json()
    assert current["status"] == "active"
    assert datetime.fromisoformat(current["current_period_start"]) == resumes_at


async def test_an_expired_card_never_replaced_gets_three_gentle_reminders_the_offer_then_goes_on_the_beach(
    billing: Billing, kafka: str
) -> None:
    customer_id, subscription = await subscribe(billing, "pm_card_chargeDeclinedExpiredCard")
    await eventually(lambda: dunning_cases(billing, customer_id), lambda cases: len(cases) == 1)

    await billing.advance(seconds=23 * 86400)

    [case] = await dunning_cases(billing, customer_id)
    assert case["outcome"] == "paused"
    notes = [e for e in await read_all(kafka, "notifications") if e["subject"] == subscription["id"]]
    templates = [n["data"]["template_id"] for n in notes]  # type: ignore[index]
    assert templates == [
        "dunning.card_update.1",
        "dunning.card_update.2",
        "dunning.card_update.3",
        "dunning.beach_offer",
    ]
    for note in notes:
        validate(note)
        assert "/portal?token=" in note["data"]["action_url"]  # type: ignore[index]
    current = (await billing.get(f"/v1/subscriptions/{subscription['id']}")).json()
    assert current["status"] == "paused", (
        "the final action put the customer on the beach instead of canceling"
    )
    retries = [e for e in await read_all(kafka, "billing.commands") if e["type"] == "payment.retry"]
    assert retries == [], "an expired card is not retried until a new one arrives"
    topics = {"notifications": ("dunning", "pause"), "pause.events": ("pause",)}
    read = await assert_the_sdk_reads_what_was_published(billing, kafka, topics)
    assert {"notification.requested", "pause.started"} <= read
