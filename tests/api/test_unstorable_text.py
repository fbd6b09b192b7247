"""Text no database can store is refused naming the field, wherever it comes in.

These were 500s on PostgreSQL, found by schemathesis: a NUL in a body's id, a query's
filter, a path's id or a reason. They run on SQLite too, where they must answer the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.testing.databases import DatabaseFactory
from tests.api.world import ADMIN_KEY, FINANCE_KEY, World, bearer, world_of


@pytest.fixture
async def world(databases: DatabaseFactory) -> AsyncIterator[World]:
    async with world_of(databases) as made:
        yield made


async def test_a_nul_or_a_lone_surrogate_in_a_json_body_is_refused_naming_its_field(world: World) -> None:
    async with world.client("billing") as billing:
        nul = await billing.post(
            "/v1/subscriptions",
            json={"customer_id": "cus_\x00", "plan_code": "pro"},
            headers=bearer(ADMIN_KEY),
        )
    async with world.client("pause") as pause:
        surrogate = await pause.post(
            f"/v1/subscriptions/{world.ids['subscription_id']}/cancel-intent",
            content=b'{"reason": "too \\ud800 dear"}',
            headers=bearer(ADMIN_KEY) | {"Content-Type": "application/json"},
        )
    assert (nul.status_code, nul.json()["error"]["field"]) == (422, "customer_id")
    assert "NUL" in nul.json()["error"]["message"]
    assert (surrogate.status_code, surrogate.json()["error"]["field"]) == (422, "reason")


async def test_a_nul_in_a_query_or_a_path_is_refused_naming_the_parameter(world: World) -> None:
    async with world.client("dunning") as dunning:
        query = await dunning.get("/v1/dunning/cases?customer_id=cus%00", headers=bearer(FINANCE_KEY))
    async with world.client("billing") as billing:
        path = await billing.get("/v1/subscriptions/sub_%00", headers=bearer(ADMIN_KEY))
    assert (query.status_code, query.json()["error"]["field"]) == (422, "customer_id")
    assert (path.status_code, path.json()["error"]["field"]) == (422, "subscription_id")


async def test_a_nul_in_a_portal_form_is_refused_naming_the_field_while_plain_text_goes_through(
    world: World,
) -> None:
    async with world.client("pause") as pause:
        pause.cookies.update(world.callers["portal cookie of A"].cookies)
        path = f"/portal/subscriptions/{world.ids['subscription_id']}/cancel"
        refused = await pause.post(path, data={"reason": "bye\x00"})
        taken = await pause.post(path, data={"reason": "trop cher, désolé 🙂"})
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "reason")
    assert taken.status_code == 200
