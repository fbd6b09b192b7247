"""A month of the aggressive baseline on a card that always declines stays within the
card networks' budget, counted per card by an outside consumer of billing's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shared.testing.databases import DatabaseFactory
from tests.e2e.stack import FINANCE, Billing, read_all, running_stack

pytestmark = [pytest.mark.stack, pytest.mark.broker]


@pytest.fixture
async def aggressive(kafka: str, databases: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Billing]:
    async with running_stack(
        kafka, databases, tmp_path, {"DUNNING_EXPERIMENT": '{"aggressive": 100}'}
    ) as stack:
        yield stack


async def test_thirty_days_of_daily_retries_send_no_more_than_the_budget_per_card(
    aggressive: Billing, kafka: str
) -> None:
    billing = aggressive
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    customer_id = await billing.customer_with_card("pm_card_chargeDeclined")
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    assert created.json()["status"] == "past_due"

    await billing.advance(seconds=30 * 86400)

    charges = [
        datetime.fromisoformat(str(e["data"]["attempted_at"]))  # type: ignore[index]
        for e in await read_all(kafka, "billing.events")
        if e["type"] in ("payment.failed", "payment.succeeded") and e["data"]["customer_id"] == customer_id  # type: ignore[index]
    ]
    assert len(charges) > 10, "the aggressive baseline did retry, day after day"
    for start in charges:
        assert sum(1 for t in charges if start <= t < start + timedelta(days=30)) <= 15
        assert sum(1 for t in charges if start <= t < start + timedelta(hours=24)) <= 10
    cases = await billing.client.get(
        f"{billing.dunning_url}/v1/dunning/cases?customer_id={customer_id}", headers=FINANCE
    )
    [case] = cases.json()["data"]
    detail = (
        await billing.client.get(f"{billing.dunning_url}/v1/dunning/cases/{case['id']}", headers=FINANCE)
    ).json()
    retries = [e["detail"] for e in detail["timeline"] if e["kind"] == "retry"]
    assert retries[0] == "daily; 13 of 15 charges left in the card's 30-day budget"
    assert retries[-1].endswith("0 of 15 charges left in the card's 30-day budget")


@pytest.fixture
async def tight_budget(kafka: str, databases: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Billing]:
    env = {"CARD_RETRY_BUDGET_PER_DAY": "2", "CARD_RETRY_BUDGET_PER_30_DAYS": "5"}
    async with running_stack(kafka, databases, tmp_path, env) as stack:
        yield stack


async def test_a_charge_over_the_budget_waits_for_room_and_then_goes(tight_budget: Billing) -> None:
    billing = tight_budget
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    customer_id = await billing.customer_with_card("pm_card_visa")
    started = [
        (await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})).json()
        for _ in range(3)
    ]
    invoices = [
        (await billing.get(f"/v1/invoices?subscription_id={s['id']}")).json()["data"][0]["status"]
        for s in started
    ]
    assert invoices == ["paid", "paid", "open"], "the third charge in 24 hours on one card waits"

    await billing.advance(seconds=23 * 3600)
    waiting = (await billing.get(f"/v1/invoices?subscription_id={started[2]['id']}")).json()["data"][0]
    assert waiting["status"] == "open"
    await billing.advance(seconds=2 * 3600)
    paid = (await billing.get(f"/v1/invoices?subscription_id={started[2]['id']}")).json()["data"][0]
    assert paid["status"] == "paid"
