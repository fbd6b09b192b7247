"""Driving the stack from outside, as a client and an independent consumer would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import httpx
import jsonschema
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from shared.messaging.topics import ensure_topics, load_topics
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import free_port
from shared.testing.databases import DatabaseFactory
from shared.testing.log_secrets import assert_no_leaks
from shared.testing.waiting import eventually

ADMIN = {"Authorization": "Bearer dev-admin-key"}
CLOCK_START = "2026-03-10T09:30:00+00:00"
"""Where simulated time starts unless a test says otherwise: a fixed, ordinary day (not a
payday, not a month's end), so no test depends on the date it runs."""
FINANCE = {"Authorization": "Bearer dev-finance-key"}
SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


class Billing:
    """Billing's API (with the test clock), plus where dunning and pause answer and keep
    their data (`databases`, by service name)."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        dunning_url: str = "",
        pause_url: str = "",
        databases: Mapping[str, str] | None = None,
    ) -> None:
        self.url, self.client = url, client
        self.dunning_url, self.pause_url = dunning_url, pause_url
        self.databases = dict(databases or {})

    async def post(self, path: str, body: Mapping[str, object], **headers: str) -> httpx.Response:
        return await self.client.post(f"{self.url}{path}", json=body, headers={**ADMIN, **headers})

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(f"{self.url}{path}", headers=ADMIN)

    async def advance(self, **body: object) -> datetime:
        answer = await self.post("/v1/test-clock/advance", dict(body))
        assert answer.status_code == 202, answer.text

        async def status() -> dict[str, str]:
            return (await self.get("/v1/test-clock?wait=10")).json()  # type: ignore[no-any-return]

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


async def records(kafka: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on `topic`, as an outside consumer outside any group reads them."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        found: list[ConsumerRecord[bytes, bytes]] = []
        while batch := await consumer.getmany(timeout_ms=1500):
            found += [record for partition in batch.values() for record in partition]
        return found
    finally:
        await consumer.stop()


async def read_all(kafka: str, topic: str) -> list[dict[str, object]]:
    return [json.loads(record.value or b"") for record in await records(kafka, topic)]


def validate(event: dict[str, object]) -> None:
    schema = json.loads((SCHEMAS / f"{event['type']}.json").read_text())
    jsonschema.validate(event, schema)


@asynccontextmanager
async def running_stack(
    kafka: str, databases: DatabaseFactory, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> AsyncIterator[Billing]:
    """Billing, dunning and pause as processes on fresh databases, with `CLOCK=test`."""
    await ensure_topics(kafka, load_topics())
    ports = {name: free_port() for name in ("billing", "dunning", "pause")}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        **dev_portal_keys(tmp_path / "keys"),
        "CLOCK": "test",
        "TEST_CLOCK_START": CLOCK_START,
        "DUNNING_URL": f"http://127.0.0.1:{ports['dunning']}",
        "PAUSE_URL": f"http://127.0.0.1:{ports['pause']}",
        **{f"{n.upper()}_PORT": str(p) for n, p in ports.items()},
        "BILLING_URL": f"http://127.0.0.1:{ports['billing']}",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{ports['pause']}/portal",
        "MAIL_DIR": str(tmp_path / "mail"),
        **(extra_env or {}),
    }
    urls = {name: await databases.new(name) for name in ports}
    env |= {f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()}
    processes = [ServiceProcess(n, p, env, log_file=tmp_path / f"{n}.log") for n, p in ports.items()]
    try:
        for process in processes:
            await asyncio.to_thread(process.migrate)
            process.start()
        for process in processes:
            await asyncio.to_thread(process.wait_ready)
        async with httpx.AsyncClient(timeout=30) as client:
            yield Billing(processes[0].url, client, processes[1].url, processes[2].url, urls)
    finally:
        for process in processes:
            process.stop()
    assert_no_leaks(tmp_path, env)
