"""The portal's forms answer a customer's mistake with a page that says what to fix,
never a 500: a number of months that is not a whole number is theirs to correct."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from pause.bootstrap import bootstrap
from pause.settings import PauseSettings
from shared.clock import SystemClock
from shared.db.migrations import upgrade
from shared.http.portal_auth import COOKIE
from shared.portal_tokens import PortalTokenSigner, generate_key_pair
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

PRIVATE, PUBLIC = generate_key_pair()


@pytest.fixture
async def pause(databases: DatabaseFactory) -> AsyncIterator[Service[Any, Any]]:
    settings = settings_for(
        PauseSettings, PAUSE_DATABASE_URL=await databases.new("pause"), PORTAL_PUBLIC_KEY=PUBLIC
    )
    service = bootstrap(settings)
    await upgrade(service.engine, "pause")
    yield service
    await service.engine.dispose()


@pytest.mark.parametrize("months", ["abc", "1.5", "", "-1", "9" * 40])
async def test_a_number_of_months_that_is_not_a_whole_number_gets_a_page_naming_it(
    pause: Service[Any, Any], months: str
) -> None:
    token = PortalTokenSigner(PRIVATE, timedelta(minutes=60)).mint("cus_1", SystemClock().now()).token
    transport = httpx.ASGITransport(app=pause.app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://pause", cookies={COOKIE: token}
    ) as client:
        answer = await client.post("/portal/subscriptions/sub_1/pause", data={"months": months})
    assert answer.status_code == 422
    assert "whole number" in answer.text
