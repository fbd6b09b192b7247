"""Starting subscriptions through the API on a real database, many at once.

Each start takes the year's next invoice number in its own transaction; merchants start
subscriptions concurrently, and finance still expects every number once, with no gaps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from billing.bootstrap import bootstrap
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.db.migrations import upgrade
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

ADMIN = {"Authorization": "Bearer dev-admin-key"}
MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PLAN = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "EUR", "interval": "month"}


@pytest.fixture
async def api(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(BillingSettings, BILLING_DATABASE_URL=await databases.new("billing"))
    service = bootstrap(settings, clock=TestClock(MARCH))
    await upgrade(service.engine, "billing")
    transport = httpx.ASGITransport(app=service.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://billing", headers=ADMIN) as client:
        assert (await client.post("/v1/plans", json=PLAN)).status_code == 201
        yield client
    await service.engine.dispose()


async def _customer(api: httpx.AsyncClient, i: int, *cards: str) -> str:
    body = {"email": f"c{i}@example.com", "name": f"Customer {i}", "timezone": "Europe/Paris"}
    customer: str = (await api.post("/v1/customers", json=body)).json()["id"]
    for card in cards:
        added = await api.post(f"/v1/customers/{customer}/payment-methods", json={"payment_method": card})
        assert added.status_code == 201, added.text
    return customer


async def _invoices(api: httpx.AsyncClient, subscription_id: str) -> list[dict[str, Any]]:
    answer = await api.get(f"/v1/invoices?subscription_id={subscription_id}")
    return answer.json()["data"]  # type: ignore[no-any-return]


async def test_subscriptions_started_at_once_get_every_invoice_number_once_without_gaps(
    api: httpx.AsyncClient,
) -> None:
    customers = [await _customer(api, i, "pm_card_visa") for i in range(12)]

    async def start(customer: str) -> httpx.Response:
        return await api.post("/v1/subscriptions", json={"customer_id": customer, "plan_code": "pro"})

    answers = await asyncio.gather(*(start(customer) for customer in customers))
    assert [a.status_code for a in answers] == [201] * 12, [a.text for a in answers]
    invoices = [invoice for a in answers for invoice in await _invoices(api, a.json()["id"])]
    assert sorted(invoice["number"] for invoice in invoices) == [f"2026-{n:06d}" for n in range(1, 13)]
    assert {invoice["status"] for invoice in invoices} == {"paid"}
    assert {a.json()["status"] for a in answers} == {"active"}


async def test_a_customer_without_a_card_is_refused_naming_the_customer(api: httpx.AsyncClient) -> None:
    customer = await _customer(api, 1)
    answer = await api.post("/v1/subscriptions", json={"customer_id": customer, "plan_code": "pro"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "customer_id"
    assert "payment method" in answer.json()["error"]["message"]


async def test_the_first_period_is_charged_to_the_customers_default_card(api: httpx.AsyncClient) -> None:
    customer = await _customer(api, 1, "pm_card_visa", "pm_card_chargeDeclined")
    answer = await api.post("/v1/subscriptions", json={"customer_id": customer, "plan_code": "pro"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "past_due"  # the card added last is the default, and it declines
    [invoice] = await _invoices(api, answer.json()["id"])
    assert invoice["status"] == "open"
