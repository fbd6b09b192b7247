"""`/readyz` says a database whose schema is behind the code is not ready, and why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pause.bootstrap import bootstrap
from pause.settings import PauseSettings
from shared.db.migrations import upgrade
from shared.http.probes import probes_router
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for


@pytest.fixture
async def pause(databases: DatabaseFactory) -> AsyncIterator[Service[Any, Any]]:
    service = bootstrap(settings_for(PauseSettings, PAUSE_DATABASE_URL=await databases.new("pause")))
    yield service
    await service.engine.dispose()


async def ready(app: FastAPI) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pause") as client:
        return await client.get("/readyz")


async def test_an_unmigrated_database_is_not_ready_and_says_which_command_fixes_it(
    pause: Service[Any, Any],
) -> None:
    answer = await ready(pause.app())

    assert answer.status_code == 503
    assert answer.json()["checks"]["schema"] == "unavailable: database not migrated; run `pause migrate`"


async def test_a_schema_behind_the_code_names_both_revisions(pause: Service[Any, Any]) -> None:
    await upgrade(pause.engine, "pause", "0003")

    answer = await ready(pause.app())

    head = ", ".join(sorted(pause.readiness.schema.heads))
    assert answer.status_code == 503
    assert answer.json()["checks"]["schema"] == (
        f"unavailable: schema at revision 0003, this code needs {head}; run `pause migrate`"
    )


async def test_a_migrated_database_is_ready(pause: Service[Any, Any]) -> None:
    await upgrade(pause.engine, "pause")
    app = FastAPI()
    app.include_router(
        probes_router({"database": pause.readiness.check_database, "schema": pause.readiness.check_schema})
    )

    answer = await ready(app)

    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}
    assert (await ready(pause.app())).json()["checks"]["schema"] == "ok"
