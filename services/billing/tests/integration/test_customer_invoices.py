"""A customer's invoices, for the admin key and for that customer's portal session only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from services.billing.tests.integration.test_billing_flows import ADMIN, JAN_31, Billing, ScriptedGateway

from billing.bootstrap import bootstrap
from billing.service_layer.leases import ChargeLeases
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.db.migrations import upgrade
from shared.portal_tokens import generate_key_pair
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for


@pytest.fixture
async def billing(databases: DatabaseFactory) -> AsyncIterator[Billing]:
    private, public = generate_key_pair()
    clock, gateway = TestClock(JAN_31), ScriptedGateway()
    settings = settings_for(
        BillingSettings,
        BILLING_DATABASE_URL=await databases.new("billing"),
        PORTAL_SIGNING_KEY=private,
        PORTAL_PUBLIC_KEY=public,
    )
    service = bootstrap(settings, clock=clock, gateway=gateway)
    await upgrade(service.engine, "billing")
    billing = Billing(service, gateway, clock, ChargeLeases(owner="billing-1"))
    yield billing
    await billing.http.aclose()
    await service.engine.dispose()


async def subscriber(billing: Billing, email: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A customer with a paid first invoice, and the headers of their portal session."""
    customer = (await billing.post("/v1/customers", {"email": email, "name": "A", "timezone": "UTC"})).json()
    card = await billing.post(
        f"/v1/customers/{customer['id']}/payment-methods", {"payment_method": "pm_card_visa"}
    )
    assert card.status_code == 201, card.text
    started = await billing.post("/v1/subscriptions", {"customer_id": customer["id"], "plan_code": "pro"})
    assert started.status_code == 201, started.text
    session = (await billing.post("/v1/portal-sessions", {"customer_id": customer["id"]})).json()
    return {**customer, "subscription_id": started.json()["id"]}, {
        "Authorization": f"Bearer {session['token']}"
    }


@pytest.fixture
async def two_customers(billing: Billing) -> tuple[Any, Any]:
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "EUR", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code == 201
    return await subscriber(billing, "ada@example.com"), await subscriber(billing, "bob@example.com")


async def test_a_portal_session_lists_its_customers_invoices_with_the_card_that_paid(
    billing: Billing, two_customers: tuple[Any, Any]
) -> None:
    (ada, as_ada), _ = two_customers
    answer = await billing.http.get(f"/v1/invoices?customer_id={ada['id']}", headers=as_ada)

    assert answer.status_code == 200, answer.text
    [invoice] = answer.json()["data"]
    assert invoice["customer_id"] == ada["id"]
    assert invoice["status"] == "paid"
    assert invoice["total"] == {"amount": 1500, "currency": "EUR"}
    assert invoice["paid_with"] == {"brand": "visa", "last4": "4242"}
    assert invoice["period_start"].startswith("2026-01-31")
    assert invoice["period_end"].startswith("2026-02-28")
    one = await billing.http.get(f"/v1/invoices/{invoice['id']}", headers=as_ada)
    assert one.json() == invoice


async def test_a_portal_session_never_sees_another_customers_invoices(
    billing: Billing, two_customers: tuple[Any, Any]
) -> None:
    (_, as_ada), (bob, _) = two_customers
    [bobs] = (await billing.http.get(f"/v1/invoices?customer_id={bob['id']}", headers=ADMIN)).json()["data"]

    by_customer = await billing.http.get(f"/v1/invoices?customer_id={bob['id']}", headers=as_ada)
    by_subscription = await billing.http.get(
        f"/v1/invoices?subscription_id={bob['subscription_id']}", headers=as_ada
    )
    by_id = await billing.http.get(f"/v1/invoices/{bobs['id']}", headers=as_ada)
    anonymous = await billing.http.get(f"/v1/invoices?customer_id={bob['id']}")

    assert (by_customer.status_code, by_customer.json()["error"]["field"]) == (404, "customer_id")
    assert (by_subscription.status_code, by_subscription.json()["error"]["field"]) == (404, "subscription_id")
    assert (by_id.status_code, by_id.json()["error"]["field"]) == (404, "invoice_id")
    assert anonymous.status_code == 401


@pytest.mark.parametrize("query", ["", "?customer_id=cus_a&subscription_id=sub_b"])
async def test_invoices_need_a_customer_or_a_subscription_and_say_so(billing: Billing, query: str) -> None:
    answer = await billing.http.get(f"/v1/invoices{query}", headers=ADMIN)
    assert 400 <= answer.status_code < 500
    assert answer.json()["error"]["field"] == "customer_id"
