"""Billing's customer API on a real database (the broker is not needed to accept writes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from billing.adapters.orm import customers, messaging
from billing.bootstrap import bootstrap
from billing.settings import BillingSettings
from shared.db.migrations import upgrade
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

ADMIN = {"Authorization": "Bearer dev-admin-key"}
FINANCE = {"Authorization": "Bearer dev-finance-key"}
ADA = {"email": "ada@example.com", "name": "Ada Lovelace", "timezone": "Europe/London"}


@pytest.fixture
async def billing(databases: DatabaseFactory) -> AsyncIterator[Service[Any, Any]]:
    service = bootstrap(settings_for(BillingSettings, BILLING_DATABASE_URL=await databases.new("billing")))
    await upgrade(service.engine, "billing")
    yield service
    await service.engine.dispose()


@pytest.fixture
async def client(billing: Service[Any, Any]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=billing.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        yield client


async def test_creating_a_customer_stores_it_with_its_event_in_the_outbox(
    client: httpx.AsyncClient, billing: Service[Any, Any]
) -> None:
    response = await client.post("/v1/customers", json=ADA, headers=ADMIN)
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("cus_")
    assert body["timezone"] == "Europe/London"

    async with billing.engine.connect() as conn:
        stored = (await conn.execute(select(customers))).all()
        outbox = (await conn.execute(select(messaging.outbox))).all()
    assert [row.id for row in stored] == [body["id"]]
    assert len(outbox) == 1
    assert outbox[0].topic == "billing.events"
    assert outbox[0].message_key == body["id"]
    event = json.loads(outbox[0].payload)
    assert event["type"] == "customer.created"
    assert event["subject"] == body["id"]
    assert event["data"]["timezone"] == "Europe/London"
    assert event["time"].endswith("Z")

    fetched = await client.get(f"/v1/customers/{body['id']}", headers=ADMIN)
    assert fetched.json() == body


async def test_writes_need_the_admin_key(client: httpx.AsyncClient, billing: Service[Any, Any]) -> None:
    missing = await client.post("/v1/customers", json=ADA)
    wrong = await client.post("/v1/customers", json=ADA, headers={"Authorization": "Bearer guess-me-please"})
    finance = await client.post("/v1/customers", json=ADA, headers=FINANCE)
    assert (missing.status_code, wrong.status_code, finance.status_code) == (401, 401, 403)
    async with billing.engine.connect() as conn:
        assert (await conn.execute(select(customers))).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Ada", "timezone": "UTC"}, "email"),
        ({**ADA, "email": "not-an-email"}, "email"),
        ({**ADA, "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({**ADA, "name": 42}, "name"),
        ({**ADA, "name": "   "}, "name"),
        ({**ADA, "plan": "gold"}, "plan"),
    ],
)
async def test_invalid_customers_get_a_4xx_that_names_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/customers", json=body, headers=ADMIN)
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["field"] == field
    assert field in error["message"]


async def test_a_body_that_is_not_json_is_refused_clearly(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/customers", content=b"{nope", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "invalid_request"


async def test_an_unknown_customer_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers/cus_missing", headers=ADMIN)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


async def test_card_entry_in_the_browser_is_refused_clearly_under_the_simulated_gateway(
    client: httpx.AsyncClient,
) -> None:
    """The simulator knows Stripe's test ids only; the portal then shows the id field instead."""
    customer = (await client.post("/v1/customers", json=ADA, headers=ADMIN)).json()

    answer = await client.post(f"/v1/customers/{customer['id']}/card-setups", headers=ADMIN)

    assert answer.status_code == 409
    assert answer.json()["error"]["type"] == "card_setup_unavailable"
    assert "PAYMENT_GATEWAY=stripe" in answer.json()["error"]["message"]
    assert (await client.post("/v1/customers/cus_missing/card-setups", headers=ADMIN)).status_code == 404
    assert (await client.post(f"/v1/customers/{customer['id']}/card-setups")).status_code == 401


PLAN = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"email": "ada@example.com", ', "body"),  # cut short
        (b"\xff\xfe", "body"),  # not UTF-8
        (b'{"email": "\xff@example.com", "name": "Ada", "timezone": "UTC"}', "body"),  # JSON, not UTF-8
    ],
)
async def test_a_body_that_is_not_json_is_refused_naming_the_body(
    client: httpx.AsyncClient, body: bytes, field: str
) -> None:
    answer = await client.post(
        "/v1/customers", content=body, headers=ADMIN | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["type"], error["field"]) == ("invalid_request", field)
    assert error["message"].startswith("body: not valid")


@pytest.mark.parametrize("name", ["Ada\x00Lovelace", "Ada\u202eecalevoL", "Ada\u2066L", "\t"])
async def test_control_characters_in_a_name_are_refused_naming_it(
    client: httpx.AsyncClient, name: str
) -> None:
    answer = await client.post("/v1/customers", json=ADA | {"name": name}, headers=ADMIN)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "name"


PERSIAN_WITH_ZWNJ = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


async def test_a_name_keeps_the_joiners_real_scripts_need(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/customers", json=ADA | {"name": PERSIAN_WITH_ZWNJ}, headers=ADMIN)
    assert answer.status_code == 201
    assert answer.json()["name"] == PERSIAN_WITH_ZWNJ


@pytest.mark.parametrize(
    ("field", "amount"),
    [("amount", 2**63), ("amount", 2**63 - 1), ("amount", 10**9 + 1), ("beach_fee_amount", 2**70)],
)
async def test_amounts_beyond_ten_million_of_the_currency_are_refused_naming_the_field(
    client: httpx.AsyncClient, field: str, amount: int
) -> None:
    answer = await client.post("/v1/plans", json=PLAN | {field: amount}, headers=ADMIN)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field


async def test_ten_million_dollars_is_still_a_price(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/plans", json=PLAN | {"amount": 10**9}, headers=ADMIN)
    assert answer.status_code == 201


@pytest.mark.parametrize("cursor", ["garbage", "2026-", "0.5", "2026-00000x"])
async def test_an_invoice_cursor_that_no_page_gave_is_refused(client: httpx.AsyncClient, cursor: str) -> None:
    answer = await client.get(f"/v1/invoices?subscription_id=sub_1&cursor={cursor}", headers=ADMIN)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "cursor"


async def test_a_portal_session_with_a_return_url_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    """The portal has no way back to a business's site; a URL it would never use is refused."""
    body = {"customer_id": "cus_1", "return_url": "javascript:alert(1)"}

    answer = await client.post("/v1/portal-sessions", json=body, headers=ADMIN)

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "return_url"


async def test_a_customer_without_a_language_reads_english(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/customers", json=ADA, headers=ADMIN)).json()
    assert created["locale"] == "en"


async def test_a_customers_language_is_kept_in_its_canonical_spelling_and_told_to_the_others(
    client: httpx.AsyncClient, billing: Service[Any, Any]
) -> None:
    created = await client.post("/v1/customers", json={**ADA, "locale": "de-ch"}, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["locale"] == "de-CH"
    async with billing.engine.connect() as conn:
        outbox = (await conn.execute(select(messaging.outbox))).all()
    assert json.loads(outbox[0].payload)["data"]["locale"] == "de-CH"


@pytest.mark.parametrize("locale", ["xx-nowhere", "fr;drop", "", "k" * 40])
async def test_a_language_tag_nobody_knows_is_refused_naming_locale(
    client: httpx.AsyncClient, locale: str
) -> None:
    response = await client.post("/v1/customers", json={**ADA, "locale": locale}, headers=ADMIN)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["field"] == "locale"


async def test_changing_the_language_publishes_the_whole_profile_as_customer_updated(
    client: httpx.AsyncClient, billing: Service[Any, Any]
) -> None:
    created = (await client.post("/v1/customers", json=ADA, headers=ADMIN)).json()
    changed = await client.patch(f"/v1/customers/{created['id']}", json={"locale": "ja"}, headers=ADMIN)
    again = await client.patch(f"/v1/customers/{created['id']}", json={"locale": "ja"}, headers=ADMIN)

    assert changed.status_code == 200, changed.text
    assert changed.json()["locale"] == "ja"
    assert again.json()["locale"] == "ja"
    assert (await client.get(f"/v1/customers/{created['id']}", headers=ADMIN)).json()["locale"] == "ja"
    async with billing.engine.connect() as conn:
        outbox = (await conn.execute(select(messaging.outbox).order_by(messaging.outbox.c.id))).all()
    events = [json.loads(row.payload) for row in outbox]
    assert [e["type"] for e in events] == ["customer.created", "customer.updated"]
    assert events[1]["data"]["locale"] == "ja"
    assert events[1]["data"]["email"] == ADA["email"]


@pytest.fixture
async def portal_client(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    """Billing that signs portal sessions, as under `make run`."""
    from shared.portal_tokens import generate_key_pair

    private, public = generate_key_pair()
    settings = settings_for(
        BillingSettings,
        BILLING_DATABASE_URL=await databases.new("billing"),
        PORTAL_SIGNING_KEY=private,
        PORTAL_PUBLIC_KEY=public,
    )
    service = bootstrap(settings)
    await upgrade(service.engine, "billing")
    transport = httpx.ASGITransport(app=service.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        yield client
    await service.engine.dispose()


async def test_a_portal_session_changes_only_its_own_customers_language(
    portal_client: httpx.AsyncClient,
) -> None:
    client = portal_client
    ada = (await client.post("/v1/customers", json=ADA, headers=ADMIN)).json()
    bob = (await client.post("/v1/customers", json={**ADA, "email": "bob@example.com"}, headers=ADMIN)).json()
    session = (
        await client.post("/v1/portal-sessions", json={"customer_id": ada["id"]}, headers=ADMIN)
    ).json()
    as_ada = {"Authorization": f"Bearer {session['token']}"}

    own = await client.patch(f"/v1/customers/{ada['id']}", json={"locale": "fr"}, headers=as_ada)
    other = await client.patch(f"/v1/customers/{bob['id']}", json={"locale": "fr"}, headers=as_ada)
    anonymous = await client.patch(f"/v1/customers/{ada['id']}", json={"locale": "de"})

    assert own.json()["locale"] == "fr"
    assert other.status_code == 404
    assert anonymous.status_code == 401
    assert (await client.get(f"/v1/customers/{bob['id']}", headers=ADMIN)).json()["locale"] == "en"
