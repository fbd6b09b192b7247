"""Each service's OpenAPI document tells a client what it will really get.

Checked on the documents the running apps serve at `/openapi.json`: the credentials
each operation names are the ones `access.py` promises (and the matrix proves), every
refusal has our error schema, and the probes are described as they answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.testing.databases import DatabaseFactory
from tests.api.access import ANYONE, EXPECTED
from tests.api.world import routes, services

SCHEME_OF = {
    "admin key": "adminKey",
    "finance key": "financeKey",
    "portal token of A": "portalToken",
}


@pytest.fixture
async def documents(tmp_path: Path) -> AsyncIterator[dict[str, dict[str, Any]]]:
    """The documents need no database, only the apps: SQLite files never opened."""
    files = DatabaseFactory("sqlite", tmp_path)
    urls = {name: await files.new(name) for name in ("billing", "dunning", "pause")}
    built = services(urls, clock="test")
    served: dict[str, dict[str, Any]] = {}
    for name, service in built.items():
        async with _client(service.app()) as client:
            answer = await client.get("/openapi.json")
            assert answer.status_code == 200
            served[name] = answer.json()
        served[name]["x-routes"] = sorted((m, p) for m, p, documented in routes(service.app()) if documented)
    yield served
    for service in built.values():
        await service.engine.dispose()


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


async def test_every_served_api_route_is_documented(documents: dict[str, dict[str, Any]]) -> None:
    for name, document in documents.items():
        listed = sorted((method, path) for method, path, _ in operations(document))
        assert listed == document["x-routes"], name


async def test_each_operation_names_exactly_the_credentials_its_route_accepts(
    documents: dict[str, dict[str, Any]],
) -> None:
    for name, document in documents.items():
        schemes = document["components"]["securitySchemes"]
        assert all(scheme == {**scheme, "type": "http", "scheme": "bearer"} for scheme in schemes.values())
        for method, path, operation in operations(document):
            allowed = EXPECTED[name][(method, path)].allowed
            promised = set() if allowed == ANYONE else {SCHEME_OF[c] for c in allowed if c in SCHEME_OF}
            documented = {scheme for requirement in operation.get("security", []) for scheme in requirement}
            assert documented == promised, f"{name} {method} {path}"
            assert documented <= schemes.keys()


async def test_a_guarded_operation_documents_401_and_403(documents: dict[str, dict[str, Any]]) -> None:
    for name, document in documents.items():
        for method, path, operation in operations(document):
            if operation.get("security"):
                assert {"401", "403"} <= operation["responses"].keys(), f"{name} {method} {path}"
            if "{" in path:
                assert "404" in operation["responses"], f"{name} {method} {path}"


async def test_every_refusal_is_documented_with_the_error_schema_never_detail(
    documents: dict[str, dict[str, Any]],
) -> None:
    for name, document in documents.items():
        schemas = document["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        assert schemas["Error"]["required"] == ["error"]
        assert set(schemas["ErrorBody"]["properties"]) >= {"type", "message", "field"}
        for method, path, operation in operations(document):
            for status, response in operation["responses"].items():
                if status[0] in "45" and path != "/readyz":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (
                        f"{name} {method} {path} {status}"
                    )


async def test_the_probes_are_documented_as_they_answer(documents: dict[str, dict[str, Any]]) -> None:
    for document in documents.values():
        metrics = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
        assert list(metrics) == ["text/plain"]
        ready = document["paths"]["/readyz"]["get"]["responses"]
        assert ready["503"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Readiness"
        }
        assert set(document["components"]["schemas"]["Readiness"]["properties"]) == {"status", "checks"}


async def test_what_a_post_creates_links_to_where_it_is_read(documents: dict[str, dict[str, Any]]) -> None:
    created = documents["billing"]["paths"]["/v1/customers"]["post"]["responses"]["201"]
    link = created["links"]["read_by_customer_id"]
    reader = documents["billing"]["paths"]["/v1/customers/{customer_id}"]["get"]
    assert link == {
        "operationId": reader["operationId"],
        "parameters": {"customer_id": "$response.body#/id"},
        "description": "Read what was created, by its `id`.",
    }
    plan = documents["billing"]["paths"]["/v1/plans"]["post"]["responses"]["201"]["links"]["read_by_code"]
    assert plan["parameters"] == {"code": "$response.body#/code"}
