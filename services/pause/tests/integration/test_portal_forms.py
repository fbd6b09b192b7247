"""The portal's forms answer a customer's mistake with a page that says what to fix,
never a 500: a number of months that is not a whole number is theirs to correct. Its
pages carry the headers that keep them from being framed, cached or scripted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from pause.bootstrap import bootstrap
from pause.settings import PauseSettings
from shared.clock import SystemClock
from shared.db.migrations import upgrade
from shared.http.page_headers import script_hash
from shared.http.portal_auth import COOKIE
from shared.portal_tokens import PortalTokenSigner, generate_key_pair
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

PRIVATE, PUBLIC = generate_key_pair()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def pause(databases: DatabaseFactory) -> AsyncIterator[Service[Any, Any]]:
    settings = settings_for(
        PauseSettings, PAUSE_DATABASE_URL=await databases.new("pause"), PORTAL_PUBLIC_KEY=PUBLIC
    )
    service = bootstrap(settings)
    await upgrade(service.engine, "pause")
    yield service
    await service.engine.dispose()


@asynccontextmanager
async def signed_in(service: Service[Any, Any]) -> AsyncIterator[httpx.AsyncClient]:
    token = PortalTokenSigner(PRIVATE, timedelta(minutes=60)).mint("cus_1", SystemClock().now()).token
    transport = httpx.ASGITransport(app=service.app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://pause", cookies={COOKIE: token}
    ) as client:
        yield client


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


async def test_a_form_that_is_not_utf8_is_a_page_naming_the_field_not_a_500(pause: Service[Any, Any]) -> None:
    async with signed_in(pause) as client:
        answer = await client.post(
            "/portal/subscriptions/sub_1/pause",
            content=b"months=\xff\xfe",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 422
    assert "whole number" in answer.text


async def test_the_pause_report_refuses_a_bare_number_as_a_time(pause: Service[Any, Any]) -> None:
    transport = httpx.ASGITransport(app=pause.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://pause") as client:
        answer = await client.get(
            "/v1/pause/report?from=0.5", headers={"Authorization": "Bearer dev-finance-key"}
        )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "from"


async def test_portal_pages_cannot_be_framed_cached_or_given_a_script(pause: Service[Any, Any]) -> None:
    async with signed_in(pause) as client:
        for path in ("/portal", "/portal?token=expired"):
            headers = (await client.get(path)).headers
            policy = headers["Content-Security-Policy"]
            assert "script-src 'none'" in policy
            assert "frame-ancestors 'none'" in policy
            assert (headers["X-Frame-Options"], headers["Referrer-Policy"]) == ("DENY", "no-referrer")
            assert headers["Cache-Control"] == "no-store"
        api = await client.get("/v1/pause/report", headers={"Authorization": "Bearer dev-finance-key"})
    assert "Content-Security-Policy" not in api.headers


async def test_the_stripe_card_page_runs_only_its_own_script_by_hash_and_stripe_js(
    databases: DatabaseFactory,
) -> None:
    settings = settings_for(
        PauseSettings,
        PAUSE_DATABASE_URL=await databases.new("pause"),
        PORTAL_PUBLIC_KEY=PUBLIC,
        STRIPE_PUBLISHABLE_KEY="pk_test_portal",
        STRIPE_JS_URL="http://127.0.0.1:12111/js.stripe.com/v3/",
    )
    service = bootstrap(settings)
    await upgrade(service.engine, "pause")
    async with signed_in(service) as client:
        answer = await client.get("/portal/card")
    await service.engine.dispose()

    inline = re.findall(r"<script>(.*?)</script>", answer.text, flags=re.DOTALL)
    script_src = answer.headers["Content-Security-Policy"].split("script-src ")[1].split(";")[0].split()
    assert len(inline) == 1
    assert script_hash(inline[0]) in script_src
    assert "http://127.0.0.1:12111" in script_src
    assert "'unsafe-inline'" not in script_src


async def test_a_form_with_more_fields_than_any_of_ours_gets_a_page_not_a_500(
    pause: Service[Any, Any],
) -> None:
    async with signed_in(pause) as client:
        answer = await client.post(
            "/portal/subscriptions/sub_1/pause", content="&".join(f"f{n}=1" for n in range(11)), headers=FORM
        )
    assert answer.status_code == 422
    assert "more fields than it should" in answer.text


async def test_a_language_the_portal_does_not_offer_is_refused_naming_it(pause: Service[Any, Any]) -> None:
    async with signed_in(pause) as client:
        answer = await client.post("/portal/language", data={"locale": "xx"})
    assert answer.status_code == 422
    assert "choose one of the languages offered" in answer.text
