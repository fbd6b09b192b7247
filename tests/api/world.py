"""The three services' real apps on a real database, with two customers in them.

Billing is filled through its own API (admin key), and dunning and pause learn of it
the way they do in production: from the events billing wrote to its outbox, handed to
their own consumers. Customer A has an active subscription, a scheduled pause and a
cancel intent; customer B has a subscription on a card that declined, so dunning has a
case for B. Credentials of every kind are minted here, so the tests name callers, not
keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from billing.bootstrap import bootstrap as billing_bootstrap
from billing.settings import BillingSettings
from dunning.bootstrap import bootstrap as dunning_bootstrap
from dunning.entrypoints.web.finance_session import COOKIE as FINANCE_COOKIE
from dunning.entrypoints.web.finance_session import FinanceSessions
from dunning.settings import DunningSettings
from pause.bootstrap import bootstrap as pause_bootstrap
from pause.settings import PauseSettings
from shared.db.migrations import upgrade
from shared.http.portal_auth import COOKIE as PORTAL_COOKIE
from shared.messaging.consumer import SourceInfo
from shared.portal_tokens import PortalTokenSigner, generate_key_pair
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

ADMIN_KEY = "dev-admin-key"
FINANCE_KEY = "dev-finance-key"
PRIVATE, PUBLIC = generate_key_pair()
OTHER_PRIVATE, _ = generate_key_pair()
DOCS_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Caller:
    """One kind of caller: the headers and cookies it sends."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


def services(urls: dict[str, str], clock: str, **env: str) -> dict[str, Service[Any, Any]]:
    common = {"CLOCK": clock, "ADMIN_API_KEY": ADMIN_KEY, "FINANCE_API_KEY": FINANCE_KEY, **env}
    return {
        "billing": billing_bootstrap(
            settings_for(
                BillingSettings,
                BILLING_DATABASE_URL=urls["billing"],
                PORTAL_SIGNING_KEY=PRIVATE,
                PORTAL_PUBLIC_KEY=PUBLIC,
                **common,
            )
        ),
        "dunning": dunning_bootstrap(
            settings_for(
                DunningSettings, DUNNING_DATABASE_URL=urls["dunning"], PORTAL_PUBLIC_KEY=PUBLIC, **common
            )
        ),
        "pause": pause_bootstrap(
            settings_for(PauseSettings, PAUSE_DATABASE_URL=urls["pause"], PORTAL_PUBLIC_KEY=PUBLIC, **common)
        ),
    }


def routes(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """(method, path template, documented) of every route the app serves, docs aside."""
    for route in iter_route_contexts(app.routes):
        if route.path is None or route.path in DOCS_ROUTES or not route.methods:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path, bool(getattr(route, "include_in_schema", True))


@dataclass
class World:
    services: dict[str, Service[Any, Any]]
    apps: dict[str, FastAPI]
    ids: dict[str, str] = field(default_factory=dict)
    """What the routes' path parameters and bodies name, e.g. `customer_id`: A's."""
    callers: dict[str, Caller] = field(default_factory=dict)
    _offset: int = 0

    def client(self, service: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.apps[service], raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{service}")

    async def relay_billing_events(self) -> None:
        """What billing wrote to its outbox, through dunning's and pause's consumers."""
        billing = self.services["billing"]
        outbox = billing.infra.tables.outbox
        async with billing.engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.topic, outbox.c.payload).order_by(outbox.c.id))).all()
        for name in ("dunning", "pause"):
            by_topic = {c.topic.value: c for c in self.services[name].consumers}
            for row in rows:
                consumer = by_topic.get(row.topic)
                if consumer is None:
                    continue
                self._offset += 1
                payload = row.payload.encode() if isinstance(row.payload, str) else row.payload
                await consumer.process(payload, SourceInfo(row.topic, 0, self._offset, None))


A_SUBSCRIPTIONS = (
    "subscription_id",
    "free_subscription",
    "resume_subscription",
    "intent_subscription",
    "page_subscription",
    "page_resume_subscription",
    "page_extend_subscription",
    "page_intent_subscription",
)


async def _seed(world: World) -> None:
    ids = world.ids
    async with world.client("billing") as billing:

        async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = await billing.post(path, json=body, headers=bearer(ADMIN_KEY))
            assert answer.status_code == 201, (path, answer.text)
            made: dict[str, Any] = answer.json()
            return made

        plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
        ids["code"] = (await post("/v1/plans", plan))["code"]
        for who, card in (("a", "pm_card_visa"), ("b", "pm_card_chargeDeclinedInsufficientFunds")):
            person = {"email": f"{who}@example.com", "name": who.upper(), "timezone": "UTC"}
            ids[f"customer_{who}"] = customer = (await post("/v1/customers", person))["id"]
            await post(f"/v1/customers/{customer}/payment-methods", {"payment_method": card})
        for name in (*A_SUBSCRIPTIONS, "subscription_b"):
            customer = ids["customer_b" if name == "subscription_b" else "customer_a"]
            ids[name] = (await post("/v1/subscriptions", {"customer_id": customer, "plan_code": "pro"}))["id"]
        ids["customer_id"] = ids["customer_a"]
        # Then A's card starts declining: A's next subscription opens a dunning case of A's.
        declining = {"payment_method": "pm_card_chargeDeclinedInsufficientFunds"}
        await post(f"/v1/customers/{ids['customer_a']}/payment-methods", declining)
        await post("/v1/subscriptions", {"customer_id": ids["customer_a"], "plan_code": "pro"})
        listed = await billing.get(
            f"/v1/invoices?subscription_id={ids['subscription_id']}", headers=bearer(ADMIN_KEY)
        )
        ids["invoice_id"] = listed.json()["data"][0]["id"]
    await world.relay_billing_events()
    await _seed_pause(world)
    await _seed_dunning(world)


async def _seed_pause(world: World) -> None:
    ids, admin = world.ids, bearer(ADMIN_KEY)
    async with world.client("pause") as pause:
        for subscription, pause_id in (
            ("subscription_id", "pause_id"),
            ("resume_subscription", "pause_to_resume"),
            ("page_resume_subscription", "page_pause_to_resume"),
            ("page_extend_subscription", "page_pause_to_extend"),
        ):
            paused = await pause.post(
                f"/v1/subscriptions/{ids[subscription]}/pause", json={"months": 1}, headers=admin
            )
            assert paused.status_code == 201, paused.text
            ids[pause_id] = paused.json()["id"]
        for subscription, intent_id in (
            ("intent_subscription", "intent_id"),
            ("page_intent_subscription", "page_intent_id"),
        ):
            path = f"/v1/subscriptions/{ids[subscription]}/cancel-intent"
            intent = await pause.post(path, json={"reason": "too_expensive"}, headers=admin)
            assert intent.status_code == 201, intent.text
            ids[intent_id] = intent.json()["id"]


async def _seed_dunning(world: World) -> None:
    async with world.client("dunning") as dunning:
        query = f"/v1/dunning/cases?customer_id={world.ids['customer_a']}"
        cases = await dunning.get(query, headers=bearer(FINANCE_KEY))
        assert cases.status_code == 200, cases.text
        assert cases.json()["data"], "customer A's declined card opened no dunning case"
        world.ids["case_id"] = cases.json()["data"][0]["id"]
    world.ids["now"] = world.services["dunning"].infra.clock.now().isoformat()


def _callers(world: World) -> dict[str, Caller]:
    now = world.services["pause"].infra.clock.now()
    ids = world.ids
    signer = PortalTokenSigner(PRIVATE, timedelta(hours=1))
    token_a = signer.mint(ids["customer_a"], now).token
    token_b = signer.mint(ids["customer_b"], now).token
    expired = (
        PortalTokenSigner(PRIVATE, timedelta(minutes=5))
        .mint(ids["customer_a"], now - timedelta(hours=1))
        .token
    )
    foreign = PortalTokenSigner(OTHER_PRIVATE, timedelta(hours=1)).mint(ids["customer_a"], now).token
    head, payload, signature = token_a.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}AAAA"
    unsigned = f"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}."
    session = FinanceSessions(FINANCE_KEY, timedelta(hours=1)).issue()
    kinds = [
        Caller("anonymous"),
        Caller("malformed header", {"Authorization": "Basic YWRtaW46YWRtaW4="}),
        Caller("unknown key", bearer("guess-me-please")),
        Caller("admin key", bearer(ADMIN_KEY)),
        Caller("finance key", bearer(FINANCE_KEY)),
        Caller("portal token of A", bearer(token_a)),
        Caller("portal cookie of A", cookies={PORTAL_COOKIE: token_a}),
        Caller("portal token of B", bearer(token_b)),
        Caller("expired portal token of A", bearer(expired)),
        Caller("portal token of A signed by another key", bearer(foreign)),
        Caller("tampered portal token of A", bearer(tampered)),
        Caller("unsigned (alg none) portal token of A", bearer(unsigned)),
        Caller("dashboard session", cookies={FINANCE_COOKIE: session}),
    ]
    return {caller.name: caller for caller in kinds}


@asynccontextmanager
async def world_of(databases: DatabaseFactory, clock: str = "system", **env: str) -> AsyncIterator[World]:
    urls = {name: await databases.new(name) for name in ("billing", "dunning", "pause")}
    built = services(urls, clock, **env)
    for name, service in built.items():
        await upgrade(service.engine, name)
    world = World(built, {name: service.app() for name, service in built.items()})
    try:
        if "KAFKA_BOOTSTRAP_SERVERS" in env:  # connected, not consuming: readiness can ping it
            for service in built.values():
                await service.broker.connect()
        await _seed(world)
        world.callers = _callers(world)
        yield world
    finally:
        for service in built.values():
            if "KAFKA_BOOTSTRAP_SERVERS" in env:
                await service.broker.stop()
            await service.engine.dispose()
