"""Finance's API and dashboard refuse what they cannot read, and sign-ins expire.

A time that is a bare number, a date that is not one, or a cursor no page gave are each
named back, never read as 1970 or as "no filter". The dashboard's cookie holds a signed
session, never the finance key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from dunning.bootstrap import bootstrap
from dunning.entrypoints.web.finance_session import COOKIE, FinanceSessions
from dunning.settings import DunningSettings
from shared.db.migrations import upgrade
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

FINANCE_KEY = "dev-finance-key"
FINANCE = {"Authorization": f"Bearer {FINANCE_KEY}"}
SIGN_IN = {"Content-Type": "application/x-www-form-urlencoded"}


async def _client(databases: DatabaseFactory, **env: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(DunningSettings, DUNNING_DATABASE_URL=await databases.new("dunning"), **env)
    service: Service[Any, Any] = bootstrap(settings)
    await upgrade(service.engine, "dunning")
    transport = httpx.ASGITransport(app=service.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://dunning") as client:
        yield client
    await service.engine.dispose()


@pytest.fixture
async def client(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    async for made in _client(databases):
        yield made


async def signed_in(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/dashboard/login", content=f"key={FINANCE_KEY}", headers=SIGN_IN)


async def test_a_period_edge_that_is_not_a_written_time_is_refused_naming_it(
    client: httpx.AsyncClient,
) -> None:
    for path, query, field in [
        ("/v1/dunning/report", "from=0.5", "from"),
        ("/v1/dunning/report.csv", "to=1700000000", "to"),
        ("/v1/dunning/cases", "from=yesterday", "from"),
    ]:
        answer = await client.get(f"{path}?{query}", headers=FINANCE)

        assert answer.status_code == 422, path
        error = answer.json()["error"]
        assert error["field"] == field
        assert "RFC 3339" in error["message"]
    written = await client.get("/v1/dunning/report?from=2026-01-01T00:00:00Z", headers=FINANCE)
    assert (written.status_code, written.json()["total"]["cases"]) == (200, 0)


async def test_the_report_groups_by_every_documented_key_and_refuses_others_naming_group_by(
    client: httpx.AsyncClient,
) -> None:
    for group_by in ["recovery_method", "cohort", "variant", "reason", "month"]:
        for path in ["/v1/dunning/report", "/v1/dunning/report.csv"]:
            answer = await client.get(f"{path}?group_by={group_by}", headers=FINANCE)
            assert answer.status_code == 200, (path, group_by)
    for bad in ["customer", "", "cohort;drop"]:
        answer = await client.get(f"/v1/dunning/report.csv?group_by={bad}", headers=FINANCE)
        assert (answer.status_code, answer.json()["error"]["field"]) == (422, "group_by"), bad


async def test_a_cases_cursor_that_no_page_gave_is_refused(client: httpx.AsyncClient) -> None:
    for cursor in ["", "dc_000000000000000000000000", "zzz"]:
        answer = await client.get(f"/v1/dunning/cases?cursor={cursor}", headers=FINANCE)

        assert answer.status_code == 422, cursor
        assert answer.json()["error"]["field"] == "cursor"


async def test_signing_in_keeps_a_signed_expiring_session_not_the_key_until_signing_out(
    client: httpx.AsyncClient,
) -> None:
    answer = await signed_in(client)

    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert FINANCE_KEY not in cookie
    assert all(part in cookie for part in ("HttpOnly", "SameSite=strict", "Max-Age=28800", "Path=/dashboard"))
    assert "Secure" not in cookie  # development over plain HTTP on this machine
    case = await client.get("/dashboard/cases/dc_missing")
    assert (case.status_code, "Case not found" in case.text) == (404, True)

    signed_out = await client.post("/dashboard/logout")

    assert 'finance_session=""' in signed_out.headers["set-cookie"]
    assert (await client.get("/dashboard/cases/dc_missing")).headers["location"] == "/dashboard/login"


async def test_the_raw_key_or_a_forged_cookie_opens_nothing(client: httpx.AsyncClient) -> None:
    forged = FinanceSessions("another-finance-key", timedelta(hours=8)).issue()
    for cookie in (FINANCE_KEY, forged):
        client.cookies.set(COOKIE, cookie, path="/dashboard")
        answer = await client.get("/dashboard/cases/dc_missing")
        assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/login")


def test_a_session_ends_when_its_hours_are_up() -> None:
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    clock = [now]
    sessions = FinanceSessions(FINANCE_KEY, timedelta(hours=8), now=lambda: clock[0])
    token = sessions.issue()

    clock[0] = now + timedelta(hours=7, minutes=59)
    assert sessions.valid(token)
    clock[0] = now + timedelta(hours=8)
    assert not sessions.valid(token)


async def test_outside_development_the_session_cookie_is_secure_only(databases: DatabaseFactory) -> None:
    env = {"APP_ENV": "test", "DASHBOARD_SESSION_HOURS": "2"}
    async for client in _client(databases, **env):
        cookie = (await signed_in(client)).headers["set-cookie"]
        assert "Secure" in cookie
        assert "Max-Age=7200" in cookie


async def test_a_date_on_the_dashboard_that_is_not_a_date_is_named_on_the_page(
    client: httpx.AsyncClient,
) -> None:
    await signed_in(client)

    for path, query, field in [
        ("/dashboard", "from=2026-13-01", "from"),
        ("/dashboard/report.csv", "to=last+week", "to"),
    ]:
        answer = await client.get(f"{path}?{query}")

        assert answer.status_code == 422, path
        assert f"{field}: give a date as YYYY-MM-DD" in answer.text


async def test_dashboard_pages_cannot_be_framed_cached_or_given_a_script(client: httpx.AsyncClient) -> None:
    for answer in (await client.get("/dashboard/login"), await signed_in(client)):
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert (answer.headers["X-Frame-Options"], answer.headers["Referrer-Policy"]) == (
            "DENY",
            "no-referrer",
        )
        assert answer.headers["Cache-Control"] == "no-store"
