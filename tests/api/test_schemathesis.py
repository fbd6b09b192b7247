"""Schemathesis over each service's own OpenAPI document, against its real app.

Every operation gets a bounded number of generated requests: valid (positive), invalid
(negative), and valid again on customer A's real subscription, pause or case where it
has path parameters. Each carries the credential the operation's document names, and
goes in-process over ASGI to the app on a real database (PostgreSQL with
TEST_DATABASE_URL, else SQLite) holding two customers, with a real broker connected so
that `/readyz` is ready. A finding is any 5xx, an answer the document does not describe
(status, content type or body), or an invalid request accepted. Generation is
derandomised, so a run repeats itself and a finding can be replayed.

The app and its database live on an event loop of their own (a blocking portal), so
Hypothesis's synchronous test functions can call them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from shared.testing.brokers import kafka_broker
from shared.testing.databases import DatabaseFactory
from tests.api.world import ADMIN_KEY, FINANCE_KEY, World, bearer, world_of

EXAMPLES_PER_MODE = 12
"""Per operation and per pass: some 37 operations, 2 or 3 passes each, about 1,100
requests for the three services, under half a minute on two cores with SQLite."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One broker for the three services' runs: it takes seconds to stop."""
    try:
        with kafka_broker(tmp_path_factory.mktemp("broker")) as servers:
            yield servers
    except FileNotFoundError as exc:
        if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
            pytest.fail(f"no broker binary: {exc} (REQUIRE_REAL_SERVICES=1 forbids skipping this test)")
        pytest.skip(f"no broker binary: {exc}")


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as portal:
        yield portal


def _credential(world: World, security: list[dict[str, Any]]) -> dict[str, str]:
    """The admin key where the operation takes it, else the one key or token it names."""
    schemes = {name for requirement in security for name in requirement}
    if "adminKey" in schemes:
        return bearer(ADMIN_KEY)
    if "financeKey" in schemes:
        return bearer(FINANCE_KEY)
    return _portal(world) if "portalToken" in schemes else {}


def _sender(world: World, service: str, portal: BlockingPortal) -> Callable[[dict[str, Any]], httpx.Response]:
    async def send(kwargs: dict[str, Any]) -> httpx.Response:
        async with world.client(service) as client:
            body: dict[str, Any] = {key: kwargs[key] for key in ("json", "data", "files") if key in kwargs}
            if isinstance(body.get("data"), bytes):
                body = {"content": body["data"]}
            return await client.request(
                kwargs["method"],
                kwargs["url"],
                headers=kwargs.get("headers"),
                params=kwargs.get("params"),
                **body,
            )

    return lambda kwargs: portal.call(send, kwargs)


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    send: Callable[..., Any],
    path_parameters: dict[str, str] | None = None,
) -> str | None:
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode, headers=headers, path_parameters=path_parameters))
    def run(case: Any) -> None:
        response = send(case.as_transport_kwargs(base_url="http://service"))
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters, or only free-form strings)
        return None
    except (Exception, BaseExceptionGroup) as finding:  # schemathesis groups its failures
        who = "portal token of A" if headers.get("Authorization", "").count(".") == 2 else "its key"
        on = f", on {path_parameters}" if path_parameters else ""
        on += f", as {who}"
        return f"{operation.label} ({mode.value}{on}):\n{finding}"
    return None


Pass = tuple[GenerationMode, dict[str, str], dict[str, str] | None]


def _passes(world: World, operation: Any) -> list[Pass]:
    """Valid and invalid requests with the operation's main credential; valid ones again
    on what customer A really has, with that credential and, where the operation takes
    one, with A's own portal token (the path a customer's browser takes)."""
    security = operation.definition.raw.get("security", [])
    headers = _credential(world, security)
    passes: list[Pass] = [(mode, headers, None) for mode in GenerationMode]
    names = {p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "path"}
    if names and names <= world.ids.keys():
        real = {name: world.ids[name] for name in names}
        passes.append((GenerationMode.POSITIVE, headers, real))
        if {"portalToken"} in [set(requirement) for requirement in security] and headers != _portal(world):
            passes.append((GenerationMode.POSITIVE, _portal(world), real))
    return passes


def _portal(world: World) -> dict[str, str]:
    return world.callers["portal token of A"].headers


@pytest.mark.parametrize("service", ["billing", "dunning", "pause"])
def test_every_operation_answers_as_documented(
    databases: DatabaseFactory, broker: str, portal: BlockingPortal, service: str
) -> None:
    findings: list[str | None] = []
    with portal.wrap_async_context_manager(world_of(databases, KAFKA_BOOTSTRAP_SERVERS=broker)) as world:
        send = _sender(world, service, portal)
        schema = schemathesis.openapi.from_dict(world.apps[service].openapi())
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), f"{service}'s OpenAPI document is invalid: {result.err()}"
            operation = result.ok()
            for mode, headers, real in _passes(world, operation):
                findings.append(_fuzz(operation, mode, headers, send, real))
    assert not any(findings), "\n\n".join(f for f in findings if f)
