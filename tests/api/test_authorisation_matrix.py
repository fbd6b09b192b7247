"""Every route of every service, called by every kind of caller: no wrong caller is ever
let through, and the right one always is.

The routes come from the apps themselves (API and pages alike, with `CLOCK=test` so the
test clock's routes are there too), so a new route is walked the day it is added: one
that `access.py` does not list is walked with the callers its OpenAPI security names
(or its page's session), and only one that declares nothing fails, with the line to add.
Resources are customer A's; "portal token of B" is the other customer trying A's
subscription, pause or card.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from shared.testing.databases import DatabaseFactory
from tests.api.access import ADMIN_OR_A, ANYONE, EXPECTED, PORTAL_PAGE, Access, from_document
from tests.api.world import Caller, World, routes, world_of

SERVICES = sorted(EXPECTED)


def _fill(text: str, ids: dict[str, str]) -> str:
    """Path parameters by name; one the world never seeded gets an id nobody has."""
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "unknown-id"), text)


def _request(world: World, path: str, access: Access) -> dict[str, Any]:
    ids = {**world.ids, **{name: world.ids[source] for name, source in access.ids.items()}}
    url = _fill(path, ids) + (f"?{_fill(access.query, ids)}" if access.query else "")
    request: dict[str, Any] = {"url": url}
    if access.body is not None:
        request["json"] = {
            key: _fill(str(v), ids) if isinstance(v, str) else v for key, v in access.body.items()
        }
    if access.form is not None:
        request["data"] = access.form
    return request


def let_through(answer: httpx.Response, access: Access) -> bool:
    """A 2xx, or a page's redirect to anywhere but a sign-in (a form that worked), or a
    status the route's own logic gives after accepting the caller."""
    if 200 <= answer.status_code < 300 or answer.status_code in access.let_through:
        return True
    location = answer.headers.get("location", "")
    return 300 <= answer.status_code < 400 and "login" not in location


def _ordered(callers: dict[str, Caller], access: Access) -> list[Caller]:
    """Refused callers first, so that nothing they did can explain a success after them;
    then the customer's own, then the admin key, which could act even on a changed state."""
    wrong = [c for c in callers.values() if c.name not in access.allowed]
    right = sorted(
        (c for c in callers.values() if c.name in access.allowed), key=lambda c: c.name == "admin key"
    )
    return wrong + right


async def _call(
    world: World, service: str, method: str, request: dict[str, Any], caller: Caller, key: str | None = None
) -> httpx.Response:
    headers = {**caller.headers, **({"Idempotency-Key": key} if key else {})}
    async with world.client(service) as client:
        client.cookies.update(caller.cookies)
        return await client.request(method, headers=headers, follow_redirects=False, **request)


async def _walk(world: World, service: str, method: str, path: str, access: Access) -> list[str]:
    findings: list[str] = []
    request = _request(world, path, access)
    let_in, first_key = 0, None
    for caller in _ordered(world.callers, access):
        key = f"{caller.name} {method} {path}" if method == "POST" else None
        answer = await _call(world, service, method, request, caller, key)
        where = f"{service} {method} {path} as {caller.name}: {answer.status_code} {answer.text[:160]!r}"
        if answer.status_code >= 500 and answer.status_code not in access.let_through:
            findings.append(f"server error: {where}")
        elif access.allowed == ANYONE:
            continue
        elif caller.name not in access.allowed and let_through(answer, access):
            findings.append(f"wrong caller let through: {where}")
        elif caller.name in access.allowed:
            if let_through(answer, access) or answer.status_code in access.past_the_guard:
                let_in += 1
                first_key = first_key or key
            elif not (access.changes_state and let_in and answer.status_code in (409, 422)):
                findings.append(f"right caller refused: {where}")
    if first_key and access.allowed != ANYONE:
        findings += await _replays(world, service, method, path, request, access, first_key)
    return findings


async def _replays(
    world: World, service: str, method: str, path: str, request: dict[str, Any], access: Access, key: str
) -> list[str]:
    """A wrong caller who sends the Idempotency-Key of a request that was let through
    must not be handed its stored answer."""
    findings = []
    for caller in world.callers.values():
        if caller.name not in access.allowed:
            answer = await _call(world, service, method, request, caller, key)
            if let_through(answer, access):
                findings.append(
                    f"stored answer replayed to a wrong caller: {service} {method} {path} as {caller.name} "
                    f"with the key first sent as {key!r}: {answer.status_code} {answer.text[:160]!r}"
                )
    return findings


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_lets_in_only_the_callers_it_promises(
    databases: DatabaseFactory, service: str
) -> None:
    async with world_of(databases, clock="test") as world:
        served = {(method, path) for method, path, _ in routes(world.apps[service])}
        document = world.apps[service].openapi()["paths"]
        derived = {
            (m, p): from_document(p, document.get(p, {}).get(m.lower()))
            for m, p in served - EXPECTED[service].keys()
        }
        undeclared = sorted(route for route, access in derived.items() if access is None)
        assert not undeclared, (
            f"{service} serves routes that declare no caller and that the matrix does not know: "
            + ", ".join(f"{m} {p}" for m, p in undeclared)
            + f". Add each to {service.upper()} in tests/api/access.py with the callers it must let in."
        )
        expected = EXPECTED[service] | {route: a for route, a in derived.items() if a is not None}
        assert not EXPECTED[service].keys() - served, (
            f"tests/api/access.py lists routes {service} no longer serves"
        )
        named = {name for access in expected.values() for name in access.allowed} - {"*"}
        assert named <= world.callers.keys(), (
            f"access.py names callers that do not exist: {named - world.callers.keys()}"
        )
        findings = [
            finding
            for (method, path), access in expected.items()
            for finding in await _walk(world, service, method, path, access)
        ]
    assert not findings, "\n".join(findings)


def test_a_route_missing_from_the_table_is_walked_with_the_callers_its_document_names() -> None:
    both = from_document("/v1/things/{id}", {"security": [{"adminKey": []}, {"portalToken": []}]})
    page = from_document("/portal/things", None)
    assert both is not None
    assert both.allowed == ADMIN_OR_A
    assert page is not None
    assert page.allowed == PORTAL_PAGE
    assert from_document("/v1/things", {"responses": {}}) is None, (
        "a route that declares no caller is not guessed"
    )
