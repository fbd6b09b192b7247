"""Driving the stack from outside, as a client and an independent consumer would."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import jsonschema
from aiokafka import AIOKafkaConsumer

from shared.testing.waiting import eventually

ADMIN = {"Authorization": "Bearer dev-admin-key"}
FINANCE = {"Authorization": "Bearer dev-finance-key"}
SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


class Billing:
    """Billing's API (with the test clock), plus where dunning and pause answer."""

    def __init__(
        self, url: str, client: httpx.AsyncClient, dunning_url: str = "", pause_url: str = ""
    ) -> None:
        self.url, self.client = url, client
        self.dunning_url, self.pause_url = dunning_url, pause_url

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
