"""Outages of what the services depend on: each database refusing connections, the broker lost."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from shared.testing.databases import DatabaseFactory
from tests.e2e.stack import ADMIN
from tests.faults.conftest import Record
from tests.faults.harness import BLOCK_SECONDS, FaultStack, days, fault_stack
from tests.faults.invariants import check

pytestmark = [pytest.mark.stack, pytest.mark.broker, pytest.mark.postgres, pytest.mark.timeout(600)]
EXPIRED = "pm_card_chargeDeclinedExpiredCard"


async def customers(stack: FaultStack, first: int, count: int) -> list[str]:
    made = []
    for n in range(first, first + count):
        answer = await stack.post(
            "/v1/customers", {"email": f"o{n}@example.com", "name": f"O {n}", "timezone": "Asia/Tokyo"}
        )
        made.append(answer["id"])
    return made


async def cancel_from_the_portal(stack: FaultStack, subscription_id: str) -> None:
    """As a customer who still wants to leave: the intent, then the confirmation (an order
    to billing on `billing.commands`)."""
    base = stack.url("pause")
    intent = await stack.client.post(
        f"{base}/v1/subscriptions/{subscription_id}/cancel-intent", json={"reason": "moving"}, headers=ADMIN
    )
    assert intent.status_code in (200, 201), intent.text
    confirmed = await stack.client.post(
        f"{base}/v1/cancel-intents/{intent.json()['id']}/confirm", headers=ADMIN
    )
    assert confirmed.status_code in (200, 201), confirmed.text


async def known_to(stack: FaultStack, service: str, customer_ids: list[str]) -> int:
    table = "customers" if service == "billing" else "customer_profiles"
    rows = await stack.rows(service, f"SELECT count(*) AS n FROM {table} WHERE id = ANY($1)", customer_ids)
    return int(rows[0]["n"])


async def test_each_database_refusing_connections_for_a_while_loses_nothing(
    postgres: DatabaseFactory, tmp_path: Path, record: Record
) -> None:
    """While dunning's and pause's databases refuse every connection, billing goes on
    publishing; then billing's refuses while pause sends it orders. Nothing is
    dead-lettered, and everything is applied once the databases are back."""
    async with fault_stack(postgres, tmp_path) as stack:
        subscriptions = await stack.subscribers(["pm_card_visa"] * 10)
        await stack.ready()
        recovery: dict[str, float] = {}

        async with stack.database_refused("dunning"), stack.database_refused("pause"):
            arrived = await customers(stack, 0, 20)
            await asyncio.sleep(BLOCK_SECONDS)
            assert await known_to(stack, "billing", arrived) == 20
        started = time.monotonic()
        await stack.ready()
        recovery["dunning's and pause's databases back"] = time.monotonic() - started
        assert await known_to(stack, "dunning", arrived) == await known_to(stack, "pause", arrived) == 20

        async with stack.database_refused("billing"):
            for subscription in subscriptions[:5]:
                await cancel_from_the_portal(stack, subscription["id"])
            await asyncio.sleep(BLOCK_SECONDS)
        started = time.monotonic()
        await stack.ready()
        recovery["billing's database back"] = time.monotonic() - started
        canceled = await stack.rows(
            "billing", "SELECT count(*) AS n FROM subscriptions WHERE status = 'canceled'"
        )
        assert canceled[0]["n"] == 5

        checked = await check(stack)
        record(f"each service's database refusing connections for {BLOCK_SECONDS:.0f} s", checked, recovery)
        assert checked.problems == []


async def test_the_broker_restarted_empty_in_the_middle_of_a_renewal_day(
    postgres: DatabaseFactory, tmp_path: Path, record: Record
) -> None:
    """The broker loses every topic, message and offset: first while dunning and pause
    are frozen, so the events billing published meanwhile reached nobody; then while a
    renewal day's events are on their way. The relays notice on their own, recreate the
    topics and publish again what they keep; readiness says 'degraded' meanwhile, and the
    clock waits until every consumer has everything."""
    async with fault_stack(postgres, tmp_path, {"SIMULATED_GATEWAY_LATENCY_MS": "20"}) as stack:
        await stack.subscribers(["pm_card_visa"] * 30 + [EXPIRED] * 10)
        await stack.ready()

        stack.freeze("dunning")
        stack.freeze("pause")
        unheard = await customers(stack, 200, 5)
        await until_published(stack, "billing")
        started = time.monotonic()
        await stack.restart_broker_empty()
        stack.thaw("dunning")
        stack.thaw("pause")
        await stack.ready()
        lost_then_healed = time.monotonic() - started
        assert await known_to(stack, "dunning", unheard) == await known_to(stack, "pause", unheard) == 5

        await stack.advance(days(31) + 3600, wait=False)
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await stack.restart_broker_empty()
        degraded = await saw_degraded(stack, seconds=20)
        took = await stack.ready()
        recovery = {
            "broker restarted empty, events nobody had consumed": lost_then_healed,
            "broker restarted empty mid-day": time.monotonic() - started,
        }
        await customers(stack, 100, 5)
        await stack.advance(days(5))

        checked = await check(stack)
        record(
            "the broker restarted empty mid-day",
            checked,
            recovery,
            readiness_said_degraded=degraded,
            clock_ready_after_s=round(took, 1),
        )
        assert checked.problems == []
        assert checked.counts["dunning_cases"] == 10


async def until_published(stack: FaultStack, service: str) -> None:
    deadline = time.monotonic() + 30
    query = "SELECT count(*) AS n FROM outbox_messages WHERE published_at IS NULL"
    while (await stack.rows(service, query))[0]["n"]:
        assert time.monotonic() < deadline, f"{service} never published its outbox"
        await asyncio.sleep(0.1)


async def saw_degraded(stack: FaultStack, seconds: float) -> bool:
    """Whether some service's /readyz said it was republishing what the broker lost."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name in ("billing", "dunning", "pause"):
            try:
                answer = await stack.client.get(f"{stack.url(name)}/readyz")
            except httpx.HTTPError:
                continue
            if "degraded" in answer.text:
                return True
        await asyncio.sleep(0.1)
    return False
