"""An `Idempotency-Key` belongs to the route it was first used on, as Stripe's do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from billing.adapters.orm import idempotent_requests, plans
from billing.bootstrap import bootstrap
from billing.settings import BillingSettings
from shared.db.migrations import upgrade
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

ADMIN = {"Authorization": "Bearer dev-admin-key"}
ADA = {"email": "ada@example.com", "name": "Ada Lovelace", "timezone": "Europe/London"}
PLAN = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}


@pytest.fixture
async def billing(databases: DatabaseFactory) -> AsyncIterator[Service[Any, Any]]:
    service = bootstrap(settings_for(BillingSettings, BILLING_DATABASE_URL=await databases.new("billing")))
    yield service
    await service.engine.dispose()


@pytest.fixture
async def client(billing: Service[Any, Any]) -> AsyncIterator[httpx.AsyncClient]:
    await upgrade(billing.engine, "billing")
    transport = httpx.ASGITransport(app=billing.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        yield client


async def test_a_key_used_on_another_route_is_refused_naming_the_route_it_belongs_to(
    client: httpx.AsyncClient, billing: Service[Any, Any]
) -> None:
    key = ADMIN | {"Idempotency-Key": "order-42"}
    first = await client.post("/v1/customers", json=ADA, headers=key)

    elsewhere = await client.post("/v1/plans", json=PLAN, headers=key)

    assert first.status_code == 201
    assert elsewhere.status_code == 409
    error = elsewhere.json()["error"]
    assert (error["type"], error["field"]) == ("idempotency_conflict", "Idempotency-Key")
    assert "first used on POST /v1/customers" in error["message"]
    async with billing.engine.connect() as conn:
        assert (await conn.execute(select(plans))).all() == []
    retried = await client.post("/v1/customers", json=ADA, headers=key)
    assert (retried.status_code, retried.headers["Idempotent-Replayed"]) == (201, "true")
    assert retried.json()["id"] == first.json()["id"]


async def test_a_key_on_the_same_route_for_another_resource_is_not_a_retry(client: httpx.AsyncClient) -> None:
    customer = (await client.post("/v1/customers", json=ADA, headers=ADMIN)).json()
    key = ADMIN | {"Idempotency-Key": "card-1"}
    card = {"payment_method": "pm_card_visa"}
    assert (
        await client.post(f"/v1/customers/{customer['id']}/payment-methods", json=card, headers=key)
    ).is_success

    other = await client.post("/v1/customers/cus_other/payment-methods", json=card, headers=key)

    assert other.status_code == 409
    assert other.json()["error"]["field"] == "Idempotency-Key"


async def test_keys_stored_by_path_before_are_kept_by_key_alone_the_first_use_winning(
    billing: Service[Any, Any],
) -> None:
    await upgrade(billing.engine, "billing", "0006")
    at = datetime(2026, 3, 1, tzinfo=UTC)
    async with billing.engine.begin() as conn:
        for n, stored in enumerate(["/v1/customers:k1", "/v1/plans:k1", "/v1/customers:k2"]):
            row = {
                "fingerprint": "f",
                "status_code": 201,
                "response": "{}",
                "created_at": at.replace(day=n + 1),
            }
            await conn.execute(insert(idempotent_requests).values(key=stored, **row))

    await upgrade(billing.engine, "billing")

    async with billing.engine.connect() as conn:
        rows = (await conn.execute(select(idempotent_requests.c.key, idempotent_requests.c.route))).all()
    assert sorted(rows) == [("/v1/plans:k1", ""), ("k1", ""), ("k2", "")]


async def test_a_key_too_long_to_keep_is_refused_naming_the_header(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/customers", json=ADA, headers=ADMIN | {"Idempotency-Key": "k" * 201})

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "Idempotency-Key"
