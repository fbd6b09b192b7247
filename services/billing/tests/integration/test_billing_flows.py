"""Billing's use cases on a real database, with a scripted gateway.

The gateway here is a fake that answers from a script, so each test can make a card
fail or time out on purpose; the real adapters have their own tests against
localstripe and the simulator.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from billing.adapters.gateways.port import (
    CardDetails,
    CardSetupUnavailable,
    ChargeRequest,
    ChargeResult,
    GatewayUnavailable,
)
from billing.adapters.orm import messaging, payment_attempts
from billing.bootstrap import bootstrap
from billing.service_layer.billing_run import run_until_done
from billing.service_layer.collection import collect, collect_pending
from billing.service_layer.leases import ChargeLeases
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.contracts import new_event
from shared.db.migrations import upgrade
from shared.money import Money
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

ADMIN = {"Authorization": "Bearer dev-admin-key"}
JAN_31 = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


class ScriptedGateway:
    name = "scripted"

    def __init__(self) -> None:
        self.results: dict[str, ChargeResult] = {}  # by idempotency key: what the gateway remembers
        self.declines: list[str | None] = []  # the next charges' outcomes; None means success
        self.unavailable = 0
        self.charges: list[ChargeRequest] = []
        self.sends: list[str] = []  # every call's idempotency key, replays included
        self.together: asyncio.Barrier | None = None  # calls that must answer at the same moment

    async def register_customer(self, customer_id: str, email: str, name: str) -> str:
        return f"gcus_{customer_id}"

    async def attach_payment_method(self, gateway_customer: str, payment_method: str) -> CardDetails:
        return CardDetails(payment_method, "visa", "4242", 12, 2030)

    async def start_card_setup(self, gateway_customer: str) -> str:
        raise CardSetupUnavailable("scripted cards only")

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        self.sends.append(request.idempotency_key)
        if self.unavailable:
            self.unavailable -= 1
            raise GatewayUnavailable("timed out")
        if self.together:
            await self.together.wait()
        if request.idempotency_key in self.results:
            return self.results[request.idempotency_key]
        decline = self.declines.pop(0) if self.declines else None
        result = ChargeResult(decline is None, f"pi_{len(self.results)}", decline, decline)
        self.results[request.idempotency_key] = result
        if decline is None:
            self.charges.append(request)
        return result


class Billing:
    def __init__(
        self, service: Service[Any, Any], gateway: ScriptedGateway, clock: TestClock, leases: ChargeLeases
    ) -> None:
        self.service, self.gateway, self.clock, self.leases = service, gateway, clock, leases
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://b")

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, json=body, headers=ADMIN)

    async def subscribe(self, plan: dict[str, Any] | None = None) -> dict[str, Any]:
        plan = plan or {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
        assert (await self.post("/v1/plans", plan)).status_code == 201
        customer = (
            await self.post("/v1/customers", {"email": "a@b.co", "name": "A", "timezone": "UTC"})
        ).json()
        card = await self.post(
            f"/v1/customers/{customer['id']}/payment-methods", {"payment_method": "pm_card_visa"}
        )
        assert card.status_code == 201, card.text
        answer = await self.post(
            "/v1/subscriptions", {"customer_id": customer["id"], "plan_code": plan["code"]}
        )
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]

    async def invoices(self, subscription_id: str) -> list[dict[str, Any]]:
        answer = await self.http.get(
            f"/v1/invoices?subscription_id={subscription_id}&limit=100", headers=ADMIN
        )
        return answer.json()["data"]  # type: ignore[no-any-return]

    async def run(self) -> None:
        await run_until_done(self.service.unit_of_work)
        await self.collect()

    async def collect(self, leases: ChargeLeases | None = None) -> int:
        """The collector of a billing process (this one, or another one's `leases`)."""
        return await collect_pending(self.service.unit_of_work, self.gateway, leases or self.leases)

    async def outbox_types(self) -> list[str]:
        async with self.service.engine.connect() as conn:
            rows = await conn.execute(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id))
            return [json.loads(r.payload)["type"] for r in rows]


@pytest.fixture
async def billing(databases: DatabaseFactory) -> AsyncIterator[Billing]:
    clock, gateway = TestClock(JAN_31), ScriptedGateway()
    settings = settings_for(BillingSettings, BILLING_DATABASE_URL=await databases.new("billing"))
    service = bootstrap(settings, clock=clock, gateway=gateway)
    await upgrade(service.engine, "billing")
    billing = Billing(service, gateway, clock, ChargeLeases(owner="billing-1"))
    yield billing
    await billing.http.aclose()
    await service.engine.dispose()


async def test_a_new_subscription_charges_its_first_period_at_once(billing: Billing) -> None:
    subscription = await billing.subscribe()
    assert subscription["status"] == "active"
    assert subscription["current_period_start"].startswith("2026-01-31")
    assert subscription["current_period_end"].startswith("2026-02-28")
    [invoice] = await billing.invoices(subscription["id"])
    assert invoice["status"] == "paid"
    assert invoice["total"] == {"amount": 1500, "currency": "USD"}
    assert invoice["number"] == "2026-000001"
    assert len(billing.gateway.charges) == 1
    types = await billing.outbox_types()
    for expected in ("subscription.created", "invoice.finalized", "payment.succeeded", "invoice.paid"):
        assert expected in types


async def test_renewals_follow_the_anchor_through_short_months(billing: Billing) -> None:
    subscription = await billing.subscribe()
    ends = []
    for month in range(1, 4):
        billing.clock.move_to(JAN_31 + timedelta(days=31 * month))
        await billing.run()
        sub = (await billing.http.get(f"/v1/subscriptions/{subscription['id']}", headers=ADMIN)).json()
        ends.append(sub["current_period_end"][:10])
    assert ends == ["2026-03-31", "2026-04-30", "2026-05-31"]
    invoices = await billing.invoices(subscription["id"])
    assert [i["number"] for i in invoices] == [f"2026-00000{n}" for n in range(1, 5)]
    assert len(billing.gateway.charges) == 4


async def test_a_declined_renewal_makes_the_subscription_past_due_and_it_is_not_renewed_again(
    billing: Billing,
) -> None:
    subscription = await billing.subscribe()
    billing.gateway.declines = ["expired_card"]
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    await billing.run()
    sub = (await billing.http.get(f"/v1/subscriptions/{subscription['id']}", headers=ADMIN)).json()
    assert sub["status"] == "past_due"
    billing.clock.move_to(datetime(2026, 4, 1, tzinfo=UTC))
    await billing.run()
    invoices = await billing.invoices(subscription["id"])
    assert [i["status"] for i in invoices] == ["paid", "open"]
    assert "payment.failed" in await billing.outbox_types()
    assert "subscription.past_due" in await billing.outbox_types()


async def test_an_unknown_gateway_outcome_is_charged_again_with_the_same_key(billing: Billing) -> None:
    subscription = await billing.subscribe()
    billing.gateway.unavailable = 1
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    report = await run_until_done(billing.service.unit_of_work)
    [attempt_id] = report.queued_attempts
    assert await billing.collect() == 0, "the answer is unknown: the attempt stays pending"
    settled = await collect([attempt_id], billing.service.unit_of_work, billing.gateway, billing.leases)
    assert settled == 1
    assert [i["status"] for i in await billing.invoices(subscription["id"])] == ["paid", "paid"]
    assert len(billing.gateway.charges) == 2  # the first period and this renewal, each once
    renewal_key = billing.gateway.sends[-1]
    assert billing.gateway.sends.count(renewal_key) == 2, "sent again with the same key"
    async with billing.service.engine.connect() as conn:
        keys = (await conn.execute(select(payment_attempts.c.idempotency_key))).scalars().all()
    assert len(keys) == len(set(keys)) == 2
    assert (await billing.invoices(subscription["id"]))[-1]["status"] == "paid"


async def test_two_billing_processes_racing_for_a_pending_charge_send_it_once(billing: Billing) -> None:
    """Replicas both find the same pending attempt; only the one that took its lease
    calls the gateway, and the other one never sends it."""
    subscription = await billing.subscribe()
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    await run_until_done(billing.service.unit_of_work)
    sends_before = len(billing.gateway.sends)
    other = ChargeLeases(owner="billing-2")

    settled = await asyncio.gather(billing.collect(), billing.collect(other))

    assert sorted(settled) == [0, 1]
    assert len(billing.gateway.sends) == sends_before + 1
    types = await billing.outbox_types()
    assert types.count("payment.succeeded") == 2  # the first period and this renewal, once each
    assert [i["status"] for i in await billing.invoices(subscription["id"])] == ["paid", "paid"]


async def test_a_crashed_holders_charge_is_sent_again_with_its_key_once_the_lease_runs_out(
    billing: Billing,
) -> None:
    """The holder claimed the attempt and died before the gateway answered (or with the
    answer): nobody else sends it while the lease lasts, and afterwards another process
    sends it with the same key, which the gateway answers with its first outcome."""
    await billing.subscribe()
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    await run_until_done(billing.service.unit_of_work)
    wall = TestClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    crashed = ChargeLeases(owner="billing-dead", length=timedelta(seconds=60), clock=wall)
    survivor = ChargeLeases(owner="billing-alive", length=timedelta(seconds=60), clock=wall)
    async with billing.service.unit_of_work() as work:
        [held] = await work.attempts.claim_pending(crashed.new(), wall.now(), 10)
        await work.commit()
    sends_before = len(billing.gateway.sends)

    assert await billing.collect(survivor) == 0, "the lease still runs"
    wall.move_to(wall.now() + timedelta(seconds=61))
    assert await billing.collect(survivor) == 1

    assert billing.gateway.sends[sends_before:] == [held]
    async with billing.service.unit_of_work() as work:
        [attempt] = await work.attempts.get_many([held])
    assert attempt.status.value == "succeeded"
    assert attempt.lease_owner == "billing-alive"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x", "name": "X", "amount": 0, "currency": "USD", "interval": "month"}, "amount"),
        ({"code": "x", "name": "X", "amount": 1.5, "currency": "USD", "interval": "month"}, "amount"),
        ({"code": "x", "name": "X", "amount": 100, "currency": "usd", "interval": "month"}, "currency"),
        ({"code": "x", "name": "X", "amount": 100, "currency": "USD", "interval": "week"}, "interval"),
        ({"code": "x", "name": "X", "amount": 100, "currency": "XYZ", "interval": "month"}, "currency"),
        ({"name": "X", "amount": 100, "currency": "USD", "interval": "month"}, "code"),
    ],
)
async def test_invalid_plans_are_refused_naming_the_field(
    billing: Billing, body: dict[str, Any], field: str
) -> None:
    answer = await billing.post("/v1/plans", body)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]["field"] == field


async def test_a_subscription_needs_a_known_customer_and_plan(billing: Billing) -> None:
    answer = await billing.post("/v1/subscriptions", {"customer_id": "cus_nobody", "plan_code": "pro"})
    assert answer.status_code == 404
    assert answer.json()["error"]["field"] == "customer_id"


async def test_a_portal_session_link_carries_a_token_for_that_customer_only(
    databases: DatabaseFactory,
) -> None:
    from shared.portal_tokens import PortalTokenVerifier, generate_key_pair

    private, public = generate_key_pair()
    clock = TestClock(JAN_31)
    settings = settings_for(
        BillingSettings,
        BILLING_DATABASE_URL=await databases.new("portal"),
        PORTAL_SIGNING_KEY=private,
        PORTAL_BASE_URL="http://127.0.0.1:8003/portal",
    )
    service = bootstrap(settings, clock=clock, gateway=ScriptedGateway())
    await upgrade(service.engine, "billing")
    billing = Billing(service, ScriptedGateway(), clock, ChargeLeases())
    try:
        customer = (
            await billing.post("/v1/customers", {"email": "p@q.co", "name": "P", "timezone": "UTC"})
        ).json()
        answer = await billing.post("/v1/portal-sessions", {"customer_id": customer["id"]})
        assert answer.status_code == 201, answer.text
        session = answer.json()
        assert session["url"].startswith("http://127.0.0.1:8003/portal?token=")
        assert session["token"] in session["url"]
        verifier = PortalTokenVerifier(public)
        assert verifier.customer_of(session["token"], JAN_31 + timedelta(minutes=1)) == customer["id"]
        missing = await billing.post("/v1/portal-sessions", {"customer_id": "cus_nobody"})
        assert missing.status_code == 404
        assert missing.json()["error"]["field"] == "customer_id"
    finally:
        await billing.http.aclose()
        await service.engine.dispose()


async def test_a_two_month_pause_charges_two_beach_fees_then_a_regular_period_on_resume(
    billing: Billing,
) -> None:
    from billing.service_layer import commands
    from shared.contracts.pause import PauseEnded, PauseStarted

    subscription = await billing.subscribe()
    starts = datetime.fromisoformat(subscription["current_period_end"])
    resumes = datetime(2026, 4, 28, 10, 0, tzinfo=UTC)
    started = PauseStarted(
        pause_id="bp_1", subscription_id=subscription["id"], customer_id=subscription["customer_id"],
        starts_at=starts, resumes_at=resumes, fee_per_month=Money.of(100, "USD"),
    )  # fmt: skip
    billing.clock.move_to(starts)
    async with billing.service.unit_of_work() as work:
        await commands.pause_started(new_event(started, source="/pause", time=starts), work)
        await work.commit()
    for day in range(0, 90, 3):
        moment = starts + timedelta(days=day)
        if moment >= resumes:
            break
        billing.clock.move_to(moment)
        await billing.run()
    billing.clock.move_to(resumes)
    await billing.run()  # the resume date itself owes no fee
    ended = PauseEnded(
        pause_id="bp_1", subscription_id=subscription["id"], customer_id=subscription["customer_id"],
        ended_at=resumes, reason="scheduled",
    )  # fmt: skip
    async with billing.service.unit_of_work() as work:
        await commands.pause_ended(new_event(ended, source="/pause", time=resumes), work)
        await work.commit()
    await billing.run()
    await billing.collect()
    invoices = await billing.invoices(subscription["id"])
    assert [(i["context"], i["total"]["amount"], i["status"]) for i in invoices] == [
        ("subscription", 1500, "paid"),
        ("beach_fee", 100, "paid"),
        ("beach_fee", 100, "paid"),
        ("subscription", 1500, "paid"),
    ]
    assert invoices[-1]["lines"][0]["period_start"].startswith("2026-04-28")


async def test_a_renewal_day_says_how_it_is_going_after_each_batch(
    billing: Billing, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(5):
        await billing.subscribe(
            {"code": f"pro-{n}", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
        )
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    with caplog.at_level("INFO", logger="billing.service_layer.billing_run"):
        report = await run_until_done(billing.service.unit_of_work, batch_size=2)
    batches = [r for r in caplog.records if r.getMessage() == "billing run batch"]
    assert report.renewals == 5
    assert [(r.done, r.to_do) for r in batches] == [(2, 3), (4, 1), (5, 0)]  # type: ignore[attr-defined]
    assert REGISTRY.get_sample_value("billing_run_to_do") == 0


def payments_counted(outcome: str, decline_class: str) -> float:
    labels = {"outcome": outcome, "decline_class": decline_class}
    return REGISTRY.get_sample_value("billing_payments_total", labels) or 0.0


async def test_payments_are_counted_by_outcome_and_decline_class(billing: Billing) -> None:
    kinds = [("succeeded", "none"), ("failed", "hard_decline"), ("failed", "insufficient_funds")]
    before = [payments_counted(*kind) for kind in kinds]

    await billing.subscribe()  # the first period is paid
    await billing.subscribe(
        {"code": "max", "name": "Max", "amount": 900, "currency": "USD", "interval": "month"}
    )
    billing.gateway.declines = ["lost_card", "card_velocity_exceeded"]
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    await billing.run()

    assert [payments_counted(*kind) - b for kind, b in zip(kinds, before, strict=True)] == [2, 1, 1]


async def _renewal_day(billing: Billing, subscriptions: int) -> list[str]:
    """Subscriptions on plans of their own, renewed in March: their charges' keys."""
    for i in range(subscriptions):
        plan = {"code": f"pro-{i}", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
        await billing.subscribe(plan)
    billing.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    queued = (await run_until_done(billing.service.unit_of_work)).queued_attempts
    async with billing.service.unit_of_work() as work:
        return [a.idempotency_key for a in await work.attempts.get_many(queued)]


async def test_collecting_batch_after_batch_sends_each_renewal_once(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch is claimed while the one before is at the gateway: still every
    renewal goes out once, and every invoice is paid."""
    monkeypatch.setattr("billing.service_layer.collection.CLAIM_BATCH", 2)
    keys = await _renewal_day(billing, 7)

    assert await billing.collect() == 7

    assert sorted(k for k in billing.gateway.sends if k in keys) == sorted(keys)
    assert (await billing.outbox_types()).count("payment.succeeded") == 14
    async with billing.service.unit_of_work() as work:
        assert await work.attempts.count_pending() == 0


async def test_two_collectors_on_one_database_share_a_renewal_day_and_send_each_charge_once(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("billing.service_layer.collection.CLAIM_BATCH", 2)
    keys = await _renewal_day(billing, 8)
    other = ChargeLeases(owner="billing-2")

    settled = await asyncio.gather(billing.collect(), billing.collect(other))

    assert sum(settled) == 8
    assert sorted(k for k in billing.gateway.sends if k in keys) == sorted(keys)
    async with billing.service.engine.connect() as conn:
        query = select(payment_attempts.c.lease_owner).where(payment_attempts.c.idempotency_key.in_(keys))
        owners = set((await conn.execute(query)).scalars())
    assert owners == {"billing-1", "billing-2"}, "each collector sent some of the day's charges"
    assert (await billing.outbox_types()).count("payment.succeeded") == 16


async def test_a_batch_claimed_ahead_is_sent_before_collecting_stops(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway is down for the first batch: collecting stops, but the batch it had
    already claimed is sent rather than left waiting out its lease."""
    monkeypatch.setattr("billing.service_layer.collection.CLAIM_BATCH", 2)
    keys = await _renewal_day(billing, 4)
    billing.gateway.unavailable = 2

    assert await billing.collect() == 2

    sent = [k for k in billing.gateway.sends if k in keys]
    assert sorted(sent) == sorted(keys), "two batches sent, each charge once"
    async with billing.service.unit_of_work() as work:
        assert await work.attempts.count_pending() == 2, "the unanswered two wait for their lease"
