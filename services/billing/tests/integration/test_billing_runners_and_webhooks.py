"""Two billing runners at once, Stripe webhooks, and the heads-up before a card expires."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from billing.adapters.orm import invoices, messaging, subscriptions, webhook_events
from billing.bootstrap import bootstrap
from billing.domain.payment_method import PaymentMethod
from billing.domain.plan import Plan
from billing.domain.subscription import Subscription
from billing.service_layer.billing_run import run_until_done
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.db.migrations import upgrade
from shared.failures import ConcurrentUpdate
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

START = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
SECRET = "whsec_test_secret"
PLAN = Plan.define(code="pro", name="Pro", amount=1500, currency="USD", interval="month")


class NoGateway:
    name = "none"

    async def register_customer(self, customer_id: str, email: str, name: str) -> str:
        return f"gcus_{customer_id}"

    async def attach_payment_method(self, gateway_customer: str, payment_method: str) -> Any:
        raise AssertionError("not used here")

    async def start_card_setup(self, gateway_customer: str) -> str:
        raise AssertionError("not used here")

    async def charge(self, request: Any) -> Any:
        raise AssertionError("the billing run only queues charges")


async def service_on(url: str, clock: TestClock, **env: str) -> Service[Any, Any]:
    service = bootstrap(
        settings_for(BillingSettings, BILLING_DATABASE_URL=url, **env), clock=clock, gateway=NoGateway()
    )
    await upgrade(service.engine, "billing")
    return service


async def outbox_types(service: Service[Any, Any]) -> list[str]:
    async with service.engine.connect() as conn:
        rows = await conn.execute(select(messaging.outbox.c.event_type))
        return [row.event_type for row in rows]


async def test_two_billing_runners_at_once_renew_each_subscription_exactly_once(
    databases: DatabaseFactory,
) -> None:
    url, clock = await databases.new("runners"), TestClock(START)
    first, second = await service_on(url, clock), await service_on(url, clock)
    async with first.unit_of_work() as work:
        for _ in range(60):
            work.track(subscription := Subscription.start(customer_id="cus_1", plan=PLAN, now=START))
            await work.subscriptions.add(subscription)
        await work.commit()
    clock.move_to(START + timedelta(days=31))

    reports = await asyncio.gather(
        run_until_done(first.unit_of_work, batch_size=7),
        run_until_done(second.unit_of_work, batch_size=7),
    )
    assert sum(r.renewals for r in reports) == 60
    async with first.engine.connect() as conn:
        per_subscription = (
            await conn.execute(
                select(invoices.c.subscription_id, func.count()).group_by(invoices.c.subscription_id)
            )
        ).all()
        numbers = (await conn.execute(select(invoices.c.number))).scalars().all()
    assert len(per_subscription) == 60
    assert {count for _, count in per_subscription} == {1}
    assert sorted(numbers) == [f"2026-{n:06d}" for n in range(1, 61)], "gapless, each number once"
    if first.engine.dialect.name == "postgresql":
        assert all(r.renewals for r in reports), "with SKIP LOCKED both runners share the work"
    for service in (first, second):
        await service.engine.dispose()


async def test_a_batch_save_refuses_the_whole_batch_if_one_subscription_changed_meanwhile(
    databases: DatabaseFactory,
) -> None:
    service = await service_on(await databases.new("batch"), TestClock(START))
    async with service.unit_of_work() as work:
        started = [Subscription.start(customer_id="cus_1", plan=PLAN, now=START) for _ in range(3)]
        for subscription in started:
            await work.subscriptions.add(subscription)
        await work.commit()
    ids = [s.id for s in started]
    async with service.unit_of_work() as work:
        stale = list((await work.subscriptions.get_many(ids)).values())
    async with service.unit_of_work() as work:
        other = await work.subscriptions.get(ids[1])
        other.cancel_reason = "changed by another process"
        await work.subscriptions.save(other)
        await work.commit()

    for subscription in stale:
        subscription.cancel_reason = "stale write"
    async with service.unit_of_work() as work:
        with pytest.raises(ConcurrentUpdate, match=r"subscription .* changed concurrently"):
            await work.subscriptions.save_many(stale)
    async with service.engine.connect() as conn:
        rows = (await conn.execute(select(subscriptions.c.id, subscriptions.c.cancel_reason))).all()
    assert dict(rows) == {ids[0]: None, ids[1]: "changed by another process", ids[2]: None}
    await service.engine.dispose()


def stripe_signature(body: bytes, secret: str = SECRET, at: int | None = None) -> str:
    timestamp = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
async def billing(databases: DatabaseFactory) -> AsyncIterator[tuple[Service[Any, Any], httpx.AsyncClient]]:
    service = await service_on(
        await databases.new("webhooks"), TestClock(START), STRIPE_WEBHOOK_SECRET=SECRET
    )
    async with service.unit_of_work() as work:
        customer = await work.customers.get("cus_x")
        assert customer is None
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://b")
    yield service, http
    await http.aclose()
    await service.engine.dispose()


def card_updated_event(event_id: str, customer: str) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": "payment_method.automatically_updated",
            "data": {
                "object": {
                    "id": "pm_new_1",
                    "object": "payment_method",
                    "customer": customer,
                    "card": {"brand": "visa", "last4": "1881", "exp_month": 9, "exp_year": 2031},
                }
            },
        }
    ).encode()


async def test_a_signed_card_updater_webhook_becomes_payment_method_updated_once(
    billing: tuple[Service[Any, Any], httpx.AsyncClient],
) -> None:
    service, http = billing
    created = await http.post(
        "/v1/customers",
        json={"email": "w@example.com", "name": "W", "timezone": "UTC"},
        headers={"Authorization": "Bearer dev-admin-key"},
    )
    customer_id = created.json()["id"]
    async with service.unit_of_work() as work:
        await work.customers.set_gateway_customer(customer_id, "cus_stripe_1")
        await work.commit()

    body = card_updated_event("evt_1", "cus_stripe_1")
    for _ in range(2):  # Stripe redelivers
        answer = await http.post(
            "/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": stripe_signature(body)}
        )
        assert answer.status_code == 200, answer.text
    assert (await outbox_types(service)).count("payment_method.updated") == 1
    async with service.engine.connect() as conn:
        kept = (await conn.execute(select(webhook_events))).all()
    assert len(kept) == 2
    assert all(row.valid for row in kept)
    assert sorted(row.processing_error or "" for row in kept) == ["", "duplicate: already processed"]


@pytest.mark.parametrize(
    "signature",
    [None, "t=1,v1=deadbeef", stripe_signature(b"other body"), stripe_signature(b"{}", secret="whsec_wrong")],
    ids=["missing", "garbage", "another-body", "wrong-secret"],  # the signatures hold the time
)
async def test_a_webhook_without_a_valid_signature_is_refused_kept_and_changes_nothing(
    billing: tuple[Service[Any, Any], httpx.AsyncClient], signature: str | None
) -> None:
    service, http = billing
    body = card_updated_event("evt_2", "cus_stripe_1")
    headers = {"Stripe-Signature": signature} if signature else {}
    answer = await http.post("/v1/webhooks/stripe", content=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_signature"
    assert await outbox_types(service) == []
    async with service.engine.connect() as conn:
        [row] = (await conn.execute(select(webhook_events))).all()
    assert row.valid is False
    assert row.processing_error


def default_card(customer_id: str, exp_month: int, exp_year: int, clock: TestClock) -> PaymentMethod:
    return PaymentMethod.add_default(
        customer_id=customer_id, gateway_payment_method=f"pm_{customer_id}", brand="visa", last4="4242",
        exp_month=exp_month, exp_year=exp_year, source="customer", now=clock.now(),
    )  # fmt: skip


async def test_a_card_about_to_expire_is_announced_once(databases: DatabaseFactory) -> None:
    clock = TestClock(datetime(2026, 5, 1, tzinfo=UTC))
    service = await service_on(await databases.new("expiring"), clock)
    async with service.unit_of_work() as work:
        await work.payment_methods.add_default(default_card("cus_1", 6, 2026, clock))
        await work.commit()
    for day in (0, 10, 31, 35, 45, 60):
        clock.move_to(datetime(2026, 5, 1, tzinfo=UTC) + timedelta(days=day))
        await run_until_done(service.unit_of_work)
    types = await outbox_types(service)
    assert types.count("payment_method.expiring") == 1
    async with service.engine.connect() as conn:
        payload = (
            await conn.execute(
                select(messaging.outbox.c.payload).where(
                    messaging.outbox.c.event_type == "payment_method.expiring"
                )
            )
        ).scalar_one()
    assert json.loads(payload)["data"]["expires_on"] == "2026-06-30"
    await service.engine.dispose()


async def test_cards_that_expired_long_ago_do_not_crowd_out_one_about_to_expire(
    databases: DatabaseFactory,
) -> None:
    """Expired default cards never get a notice, so they must not fill every batch."""
    clock = TestClock(datetime(2026, 5, 1, tzinfo=UTC))
    service = await service_on(await databases.new("crowded"), clock)
    async with service.unit_of_work() as work:
        for n in range(150):  # more than a batch (100) of cards that expired in 2024
            await work.payment_methods.add_default(default_card(f"cus_old_{n}", 1, 2024, clock))
        await work.payment_methods.add_default(default_card("cus_1", 5, 2026, clock))
        await work.commit()

    clock.move_to(datetime(2026, 5, 5, tzinfo=UTC))  # within 30 days of the end of May
    await run_until_done(service.unit_of_work)

    assert (await outbox_types(service)).count("payment_method.expiring") == 1
    await service.engine.dispose()
