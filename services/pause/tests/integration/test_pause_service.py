"""The pause service on a real database: replica from events, the API with portal tokens, the schedule."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pause.adapters.orm import messaging
from pause.bootstrap import bootstrap
from pause.entrypoints.scheduler import PauseScheduler
from pause.service_layer.handlers import pause_bus
from pause.service_layer.messages import RunDuePauseMoments
from pause.settings import PauseSettings
from shared.clock import TestClock
from shared.contracts import encode_event, new_event
from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated, SubscriptionCreated
from shared.contracts.dunning import DeclineClass, DunningCaseOpened
from shared.db.migrations import upgrade
from shared.messaging.consumer import SourceInfo
from shared.money import Money
from shared.portal_tokens import PortalTokenSigner, generate_key_pair
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
PRIVATE, PUBLIC = generate_key_pair()
ADMIN = {"Authorization": "Bearer dev-admin-key"}


class Pause:
    def __init__(self, service: Service[Any, Any], clock: TestClock) -> None:
        self.service, self.clock = service, clock
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://p")
        self.signer = PortalTokenSigner(PRIVATE, ttl=timedelta(days=400))
        self.offset = 0
        self.bus = pause_bus(service.unit_of_work, service.settings.policies())

    def as_customer(self, customer_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.signer.mint(customer_id, self.clock.now()).token}"}

    async def feed(self, *facts: EventData) -> None:
        by_topic = {c.topic.value: c for c in self.service.consumers}
        for fact in facts:
            self.offset += 1
            raw = encode_event(new_event(fact, source="/test", time=self.clock.now()))
            consumer = by_topic[fact.topic.value]
            outcome = await consumer.process(raw, SourceInfo(fact.topic.value, 0, self.offset, None))
            assert outcome == "processed", outcome

    async def customer_with_subscription(self, n: int) -> tuple[str, str]:
        customer, subscription = f"cus_{n}", f"sub_{n}"
        await self.feed(
            CustomerCreated(
                customer_id=customer, email=f"c{n}@example.com", name=f"C{n}", timezone="UTC", created_at=NOW
            ),
            SubscriptionCreated(
                subscription_id=subscription,
                customer_id=customer,
                plan_code="pro",
                price=Money.of(1500, "USD"),
                interval="month",
                beach_fee=Money.of(100, "USD"),
                status="active",
                current_period_start=PERIOD_END - timedelta(days=31),
                current_period_end=PERIOD_END,
            ),
        )
        return customer, subscription

    async def outbox(self) -> list[dict[str, Any]]:
        async with self.service.engine.connect() as conn:
            rows = await conn.execute(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id))
            return [json.loads(r.payload) for r in rows]


@contextlib.asynccontextmanager
async def pause_service(databases: DatabaseFactory, **env: str) -> AsyncIterator[Pause]:
    clock = TestClock(NOW)
    settings = settings_for(
        PauseSettings, PAUSE_DATABASE_URL=await databases.new("pause"), PORTAL_PUBLIC_KEY=PUBLIC, **env
    )
    service = bootstrap(settings, clock=clock)
    await upgrade(service.engine, "pause")
    subject = Pause(service, clock)
    try:
        yield subject
    finally:
        await subject.http.aclose()
        await service.engine.dispose()


@pytest.fixture
async def pause(databases: DatabaseFactory) -> AsyncIterator[Pause]:
    async with pause_service(databases) as subject:
        yield subject


async def test_a_customer_pauses_for_two_months_from_the_end_of_the_paid_period(pause: Pause) -> None:
    customer, subscription = await pause.customer_with_subscription(1)
    me = pause.as_customer(customer)
    answer0 = await pause.http.get(f"/v1/subscriptions/{subscription}/pause-options", headers=me)
    assert answer0.status_code == 200, answer0.text
    options = answer0.json()
    assert options["eligible"] is True
    assert options["fee_per_month"] == {"amount": 100, "currency": "USD"}
    two = next(d for d in options["durations"] if d["months"] == 2)
    assert two["starts_at"].startswith("2026-01-31")
    assert two["resumes_at"].startswith("2026-03-31")

    answer = await pause.http.post(f"/v1/subscriptions/{subscription}/pause", json={"months": 2}, headers=me)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["status"] == "scheduled"
    assert created["resumes_at"] == two["resumes_at"]
    assert created["fee_total"] == {"amount": 200, "currency": "USD"}

    for moment in (
        PERIOD_END,
        datetime(2026, 3, 24, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 9, 0, tzinfo=UTC),
    ):
        pause.clock.move_to(moment)
        await pause.bus.handle(RunDuePauseMoments())
    kinds = [e["type"] for e in await pause.outbox()]
    assert kinds == [
        "pause.scheduled",
        "notification.requested",
        "pause.started",
        "notification.requested",
        "pause.ended",
        "notification.requested",
    ]
    messages = [e["data"] for e in await pause.outbox() if e["type"] == "notification.requested"]
    assert [m["template_id"] for m in messages] == [
        "pause.confirmed",
        "pause.resume_reminder",
        "pause.resumed",
    ]
    assert {m["to"] for m in messages} == {"c1@example.com"}
    assert "March 31, 2026" in messages[0]["body_text"]
    assert "$1.00" in messages[0]["body_text"]
    assert "March 31, 2026" in messages[1]["body_text"]


async def test_another_customers_token_cannot_see_or_pause_my_subscription(pause: Pause) -> None:
    _, subscription = await pause.customer_with_subscription(1)
    other, _ = await pause.customer_with_subscription(2)
    stranger = pause.as_customer(other)
    looked = await pause.http.get(f"/v1/subscriptions/{subscription}/pause-options", headers=stranger)
    tried = await pause.http.post(
        f"/v1/subscriptions/{subscription}/pause", json={"months": 1}, headers=stranger
    )
    assert (looked.status_code, tried.status_code) == (404, 404)
    assert await pause.outbox() == []


async def test_another_customer_sending_my_idempotency_key_is_not_shown_my_pause(pause: Pause) -> None:
    mine, subscription = await pause.customer_with_subscription(1)
    theirs, _ = await pause.customer_with_subscription(2)
    path, body = f"/v1/subscriptions/{subscription}/pause", {"months": 1}
    key = {"Idempotency-Key": "pause-1"}
    first = await pause.http.post(path, json=body, headers=pause.as_customer(mine) | key)

    replayed = await pause.http.post(path, json=body, headers=pause.as_customer(theirs) | key)

    assert first.status_code == 201
    assert replayed.status_code == 409
    assert replayed.json()["error"]["field"] == "Idempotency-Key"
    assert first.json()["id"] not in replayed.text


async def test_an_expired_token_gets_401(pause: Pause) -> None:
    customer, subscription = await pause.customer_with_subscription(1)
    token = PortalTokenSigner(PRIVATE, ttl=timedelta(minutes=5)).mint(customer, NOW).token
    pause.clock.move_to(NOW + timedelta(minutes=6))
    answer = await pause.http.get(
        f"/v1/subscriptions/{subscription}/pause-options", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401
    assert "expired" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"months": 0}, "months"),
        ({"months": 7}, "months"),
        ({"months": "two"}, "months"),
        ({}, "months"),
        (None, "body"),
    ],
)
async def test_bad_pause_requests_get_a_4xx_naming_the_field(pause: Pause, body: Any, field: str) -> None:
    customer, subscription = await pause.customer_with_subscription(1)
    answer = await pause.http.post(
        f"/v1/subscriptions/{subscription}/pause", json=body, headers=pause.as_customer(customer)
    )
    assert 400 <= answer.status_code < 500
    assert answer.json()["error"]["field"] == field


async def test_a_third_pause_in_twelve_months_is_refused_with_a_reason(pause: Pause) -> None:
    customer, subscription = await pause.customer_with_subscription(1)
    me = pause.as_customer(customer)
    for month in range(2):
        created = (
            await pause.http.post(f"/v1/subscriptions/{subscription}/pause", json={"months": 1}, headers=me)
        ).json()
        pause.clock.move_to(PERIOD_END + timedelta(days=7 * month))
        await pause.bus.handle(RunDuePauseMoments())
        ended = await pause.http.post(f"/v1/pauses/{created['id']}/resume", headers=me)
        assert ended.status_code == 200, ended.text
        assert ended.json()["status"] == "ended"
    third = await pause.http.post(f"/v1/subscriptions/{subscription}/pause", json={"months": 1}, headers=me)
    assert third.status_code == 409
    assert third.json()["error"]["type"] == "too_many_pauses"


async def test_a_pause_is_refused_while_a_dunning_case_is_open(pause: Pause) -> None:
    customer, subscription = await pause.customer_with_subscription(1)
    await pause.feed(
        DunningCaseOpened(
            case_id="dc_1",
            subscription_id=subscription,
            customer_id=customer,
            invoice_id="in_1",
            amount_due=Money.of(1500, "USD"),
            decline_code="insufficient_funds",
            decline_class=DeclineClass.INSUFFICIENT_FUNDS,
            policy_version="gentle-v1",
            variant="gentle",
            opened_at=NOW,
        )
    )
    answer = await pause.http.post(
        f"/v1/subscriptions/{subscription}/pause", json={"months": 1}, headers=pause.as_customer(customer)
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["type"] == "open_dunning_case"


async def test_cancelling_offers_a_pause_first_and_records_the_reason(pause: Pause) -> None:
    customer, subscription = await pause.customer_with_subscription(1)
    me = pause.as_customer(customer)
    intent = await pause.http.post(
        f"/v1/subscriptions/{subscription}/cancel-intent", json={"reason": "Too busy this spring"}, headers=me
    )
    assert intent.status_code == 201, intent.text
    assert intent.json()["offer"]["eligible"] is True
    confirmed = await pause.http.post(f"/v1/cancel-intents/{intent.json()['id']}/confirm", headers=me)
    assert confirmed.json()["outcome"] == "canceled"
    [command] = [e for e in await pause.outbox() if e["type"] == "subscription.cancel"]
    assert command["data"]["subscription_id"] == subscription
    assert command["data"]["reason"] == "Too busy this spring"
    assert command["data"]["requested_by"] == "customer"


async def test_the_test_clock_is_told_each_pause_moment_and_what_is_due_at_it(
    databases: DatabaseFactory,
) -> None:
    """The clock stops at the start, the plan's own reminder lead and the resume date."""
    policy = {"version": 1, "plans": {"pro": {"reminder_before_resume_days": 3}}}
    async with pause_service(databases, PAUSE_POLICY=json.dumps(policy)) as pause:
        scheduler = PauseScheduler(pause.bus)
        customer, subscription = await pause.customer_with_subscription(1)
        me = pause.as_customer(customer)
        answer = await pause.http.post(
            f"/v1/subscriptions/{subscription}/pause", json={"months": 1}, headers=me
        )
        assert answer.status_code == 201, answer.text
        resumes = datetime.fromisoformat(answer.json()["resumes_at"])
        seen = []
        while (moment := await scheduler.next_due_at()) is not None:
            before = await scheduler.due_work()
            pause.clock.move_to(moment)
            seen.append((moment, before, await scheduler.due_work()))
            await pause.bus.handle(RunDuePauseMoments())
            assert await scheduler.due_work() == 0
        assert seen == [(PERIOD_END, 0, 1), (resumes - timedelta(days=3), 0, 1), (resumes, 0, 1)]
        assert [e["type"] for e in await pause.outbox()] == [
            "pause.scheduled", "notification.requested", "pause.started", "notification.requested",
            "pause.ended", "notification.requested",
        ]  # fmt: skip
