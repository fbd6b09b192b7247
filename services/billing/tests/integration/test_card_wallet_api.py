"""Several cards per customer through billing's API, on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from billing.bootstrap import bootstrap
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.db.migrations import upgrade
from shared.portal_tokens import PortalTokenSigner, generate_key_pair
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ADMIN = {"Authorization": "Bearer dev-admin-key"}
PRIVATE, PUBLIC = generate_key_pair()
SIGNER = PortalTokenSigner(PRIVATE)


def as_customer(customer_id: str, recovery_case: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {SIGNER.mint(customer_id, NOW, recovery_case=recovery_case).token}"}


@pytest.fixture
async def client(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        BillingSettings, BILLING_DATABASE_URL=await databases.new("billing"), PORTAL_PUBLIC_KEY=PUBLIC
    )
    service = bootstrap(settings, clock=TestClock(NOW))
    await upgrade(service.engine, "billing")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=service.app()), base_url="http://b"
    ) as client:
        yield client
    await service.engine.dispose()


async def customer(client: httpx.AsyncClient, name: str = "Ada") -> str:
    body = {"email": f"{name.lower()}@example.com", "name": name, "timezone": "Europe/London"}
    return str((await client.post("/v1/customers", json=body, headers=ADMIN)).json()["id"])


async def add(client: httpx.AsyncClient, customer_id: str, card: str, **extra: Any) -> dict[str, Any]:
    answer = await client.post(
        f"/v1/customers/{customer_id}/payment-methods", json={"payment_method": card, **extra}, headers=ADMIN
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def cards(client: httpx.AsyncClient, customer_id: str, headers: dict[str, str] = ADMIN) -> list[Any]:
    answer = await client.get(f"/v1/customers/{customer_id}/payment-methods", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]  # type: ignore[no-any-return]


async def test_a_backup_card_is_kept_beside_the_default_and_listed_after_it(
    client: httpx.AsyncClient,
) -> None:
    ada = await customer(client)
    await add(client, ada, "pm_card_visa")
    backup = await add(client, ada, "pm_card_mastercard", default=False)

    listed = await cards(client, ada, as_customer(ada))

    assert [(c["brand"], c["last4"], c["default"]) for c in listed] == [
        ("visa", "4242", True),
        ("mastercard", "4444", False),
    ]
    assert listed[1]["id"] == backup["id"]
    assert {"exp_month", "exp_year", "gateway_payment_method"} <= set(listed[0])
    assert all(c["gateway_payment_method"].startswith("pm_") for c in listed)


async def test_a_first_card_added_as_a_backup_is_the_default_anyway(client: httpx.AsyncClient) -> None:
    ada = await customer(client)
    assert (await add(client, ada, "pm_card_visa", default=False))["default"] is True


async def test_making_the_backup_the_default_swaps_them(client: httpx.AsyncClient) -> None:
    ada = await customer(client)
    await add(client, ada, "pm_card_visa")
    backup = await add(client, ada, "pm_card_mastercard", default=False)

    answer = await client.post(
        f"/v1/customers/{ada}/payment-methods/{backup['id']}/default", headers=as_customer(ada)
    )

    assert answer.status_code == 200, answer.text
    assert [(c["last4"], c["default"]) for c in await cards(client, ada)] == [("4444", True), ("4242", False)]


async def test_removing_the_default_hands_it_to_the_other_card(client: httpx.AsyncClient) -> None:
    ada = await customer(client)
    default = await add(client, ada, "pm_card_visa")
    await add(client, ada, "pm_card_mastercard", default=False)

    gone = await client.delete(
        f"/v1/customers/{ada}/payment-methods/{default['id']}", headers=as_customer(ada)
    )

    assert gone.status_code == 204, gone.text
    assert [(c["last4"], c["default"]) for c in await cards(client, ada)] == [("4444", True)]


async def test_the_last_card_of_an_active_subscription_cannot_be_removed(client: httpx.AsyncClient) -> None:
    ada = await customer(client)
    only = await add(client, ada, "pm_card_visa")
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await client.post("/v1/plans", json=plan, headers=ADMIN)).status_code == 201
    started = await client.post(
        "/v1/subscriptions", json={"customer_id": ada, "plan_code": "pro"}, headers=ADMIN
    )
    assert started.status_code == 201, started.text

    refused = await client.delete(
        f"/v1/customers/{ada}/payment-methods/{only['id']}", headers=as_customer(ada)
    )

    assert refused.status_code == 409
    assert refused.json()["error"]["type"] == "last_card"
    assert "Add another card first" in refused.json()["error"]["message"]
    assert len(await cards(client, ada)) == 1


async def test_another_customers_cards_are_not_there(client: httpx.AsyncClient) -> None:
    ada, bob = await customer(client), await customer(client, "Bob")
    card = await add(client, ada, "pm_card_visa")
    bobs = as_customer(bob)

    assert (await client.get(f"/v1/customers/{ada}/payment-methods", headers=bobs)).status_code == 404
    assert (
        await client.delete(f"/v1/customers/{ada}/payment-methods/{card['id']}", headers=bobs)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/customers/{bob}/payment-methods/{card['id']}", headers=bobs)
    ).status_code == 404
    assert (
        await client.post(f"/v1/customers/{bob}/payment-methods/{card['id']}/default", headers=bobs)
    ).status_code == 404


async def test_a_recovery_link_session_may_add_a_card_but_not_remove_one(client: httpx.AsyncClient) -> None:
    ada = await customer(client)
    card = await add(client, ada, "pm_card_visa")
    link = as_customer(ada, recovery_case="dc_1")

    added = await client.post(
        f"/v1/customers/{ada}/payment-methods", json={"payment_method": "pm_card_mastercard"}, headers=link
    )
    removed = await client.delete(f"/v1/customers/{ada}/payment-methods/{card['id']}", headers=link)

    assert added.status_code == 201
    assert removed.status_code == 403
