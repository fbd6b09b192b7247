"""Billing with `PAYMENT_GATEWAY=stripe`, charging through the Stripe SDK against localstripe."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from shared.testing.localstripe import LOCALSTRIPE_KEY
from tests.e2e.stack import Billing, read_all, validate

pytestmark = [pytest.mark.stack, pytest.mark.broker]


async def test_renewals_and_a_failing_card_through_stripe(
    stripe_billing: Billing, kafka: str, localstripe_url: str
) -> None:
    billing = stripe_billing
    plan = {"code": "team", "name": "Team", "amount": 4900, "currency": "EUR", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code == 201

    good = await billing.customer_with_card("pm_card_visa")
    created = await billing.post("/v1/subscriptions", {"customer_id": good, "plan_code": "team"})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "active"

    bad = await billing.customer_with_card("pm_card_chargeCustomerFail")
    failing = await billing.post("/v1/subscriptions", {"customer_id": bad, "plan_code": "team"})
    assert failing.json()["status"] == "past_due"

    start = datetime.fromisoformat(created.json()["current_period_start"])
    await billing.advance(to=(start + timedelta(days=62)).isoformat())
    invoices = (await billing.get(f"/v1/invoices?subscription_id={created.json()['id']}")).json()["data"]
    assert [(i["status"], i["total"]["amount"]) for i in invoices] == [("paid", 4900)] * 3

    async with httpx.AsyncClient() as stripe:
        intents = (
            await stripe.get(
                f"{localstripe_url}/v1/payment_intents", auth=(LOCALSTRIPE_KEY, ""), params={"limit": 100}
            )
        ).json()["data"]
    succeeded = [pi for pi in intents if pi["status"] == "succeeded" and pi["amount"] == 4900]
    assert len(succeeded) == 3, "one Stripe charge per invoice, no more"

    events = await read_all(kafka, "billing.events")
    for event in events:
        validate(event)
    failed = [e for e in events if e["type"] == "payment.failed"]
    assert failed
    assert failed[0]["data"]["decline_code"] == "card_declined"  # type: ignore[index]
