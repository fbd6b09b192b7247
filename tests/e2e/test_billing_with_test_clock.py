"""Billing over months of simulated time, through the HTTP API and the test clock.

An independent Kafka consumer reads `billing.events` and validates every event
against the committed JSON Schemas, as other teams' consumers would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer

from shared.messaging.topics import ensure_topics, load_topics
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import free_port
from shared.testing.databases import DatabaseFactory
from shared.testing.waiting import eventually

pytestmark = [pytest.mark.stack, pytest.mark.broker]
ADMIN = {"Authorization": "Bearer dev-admin-key"}
SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


class Billing:
    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url, self.client = url, client

    async def post(self, path: str, body: dict[str, object], **headers: str) -> httpx.Response:
        return await self.client.post(f"{self.url}{path}", json=body, headers={**ADMIN, **headers})

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(f"{self.url}{path}", headers=ADMIN)

    async def advance(self, **body: object) -> datetime:
        answer = await self.post("/v1/test-clock/advance", dict(body))
        assert answer.status_code == 202, answer.text

        async def status() -> dict[str, str]:
            return (await self.get("/v1/test-clock")).json()  # type: ignore[no-any-return]

        final = await eventually(status, lambda s: s["status"] != "advancing", timeout=240, interval=0.2)
        assert final["status"] == "ready", final
        return datetime.fromisoformat(final["now"])

    async def customer_with_card(self, card: str = "pm_card_visa") -> str:
        customer = await self.post(
            "/v1/customers", {"email": "lin@example.com", "name": "Lin", "timezone": "Asia/Singapore"}
        )
        assert customer.status_code == 201, customer.text
        card_answer = await self.post(
            f"/v1/customers/{customer.json()['id']}/payment-methods", {"payment_method": card}
        )
        assert card_answer.status_code == 201, card_answer.text
        return str(customer.json()["id"])


@pytest.fixture
async def billing(kafka: str, databases: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Billing]:
    await ensure_topics(kafka, load_topics())
    ports = {name: free_port() for name in ("billing", "dunning", "pause")}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        **dev_portal_keys(tmp_path / "keys"),
        "CLOCK": "test",
        "DUNNING_URL": f"http://127.0.0.1:{ports['dunning']}",
        "PAUSE_URL": f"http://127.0.0.1:{ports['pause']}",
        **{f"{n.upper()}_PORT": str(p) for n, p in ports.items()},
    }
    for name in ports:
        env[f"{name.upper()}_DATABASE_URL"] = await databases.new(name)
    processes = [ServiceProcess(n, p, env, log_file=tmp_path / f"{n}.log") for n, p in ports.items()]
    try:
        for process in processes:
            await asyncio.to_thread(process.migrate)
            process.start()
        for process in processes:
            await asyncio.to_thread(process.wait_ready)
        async with httpx.AsyncClient(timeout=30) as client:
            yield Billing(processes[0].url, client)
    finally:
        for process in processes:
            process.stop()


async def read_all(kafka: str, topic: str) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        events: list[dict[str, object]] = []
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                events += [json.loads(r.value) for r in records]
        return events
    finally:
        await consumer.stop()


def validate(event: dict[str, object]) -> None:
    schema = json.loads((SCHEMAS / f"{event['type']}.json").read_text())
    jsonschema.validate(event, schema)


async def test_a_year_of_renewals_charges_every_month_once(billing: Billing, kafka: str) -> None:
    plan = await billing.post(
        "/v1/plans", {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    )
    assert plan.status_code == 201, plan.text
    customer_id = await billing.customer_with_card()
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["status"] == "active"
    start = datetime.fromisoformat(subscription["current_period_start"])

    now = await billing.advance(to=(start + timedelta(days=366)).isoformat())

    invoices = (await billing.get(f"/v1/invoices?subscription_id={subscription['id']}&limit=100")).json()[
        "data"
    ]
    assert len(invoices) == 13  # the first period and twelve renewals
    assert {i["status"] for i in invoices} == {"paid"}
    assert {json.dumps(i["total"]) for i in invoices} == {json.dumps({"amount": 1500, "currency": "USD"})}
    numbers = [i["number"] for i in invoices]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 13
    current = (await billing.get(f"/v1/subscriptions/{subscription['id']}")).json()
    assert (
        datetime.fromisoformat(current["current_period_start"])
        <= now
        < datetime.fromisoformat(current["current_period_end"])
    )

    events = await read_all(kafka, "billing.events")
    for event in events:
        validate(event)
    kinds = [e["type"] for e in events if e.get("subject") == subscription["id"]]
    assert kinds.count("subscription.renewed") == 12
    assert kinds.count("payment.succeeded") == 13
    assert kinds.count("invoice.paid") == 13


async def test_a_failing_card_makes_the_subscription_past_due_and_says_why(
    billing: Billing, kafka: str
) -> None:
    await billing.post(
        "/v1/plans", {"code": "basic", "name": "Basic", "amount": 900, "currency": "EUR", "interval": "month"}
    )
    customer_id = await billing.customer_with_card("pm_card_chargeDeclinedInsufficientFunds")
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "basic"})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "past_due"

    events = await eventually(
        lambda: read_all(kafka, "billing.events"),
        lambda es: any(e["type"] == "payment.failed" for e in es),
        timeout=30,
    )
    failed = next(e for e in events if e["type"] == "payment.failed")
    validate(failed)
    assert failed["data"]["decline_code"] == "insufficient_funds"  # type: ignore[index]
    assert failed["data"]["amount"] == {"amount": 900, "currency": "EUR"}  # type: ignore[index]
    assert failed["subject"] == created.json()["id"]


async def test_duplicate_posts_with_one_idempotency_key_create_one_customer(billing: Billing) -> None:
    body = {"email": "dup@example.com", "name": "Dup", "timezone": "UTC"}
    first = await billing.post("/v1/customers", body, **{"Idempotency-Key": "abc-123"})
    again = await billing.post("/v1/customers", body, **{"Idempotency-Key": "abc-123"})
    other = await billing.post("/v1/customers", {**body, "name": "Else"}, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 409
    assert other.json()["error"]["field"] == "Idempotency-Key"
