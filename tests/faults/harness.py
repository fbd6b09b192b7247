"""The system as an operator runs it, for the fault suite: processes on PostgreSQL, on the
test clock, with an embedded broker the suite can restart, replicas it can add, and a
mail server that counts what it receives.

Faults are done to it from outside, as an operator (or bad luck) would: SIGKILL a
process, stop the broker and start it empty, refuse a database's connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from shared.messaging.topics import ensure_topics, load_topics
from shared.stack.broker import EmbeddedBroker
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import free_port
from shared.testing.databases import DatabaseFactory
from tests.e2e.stack import ADMIN, CLOCK_START

SERVICES = ("billing", "dunning", "pause")
LEASE_SECONDS = 5
BLOCK_SECONDS = float(os.environ.get("FAULT_BLOCK_SECONDS", "30"))


class MailSink:
    """An SMTP server on loopback that counts every message it receives, by notification id."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.received[str(message["X-Notification-Id"])] += 1
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@dataclass
class FaultStack:
    tmp: Path
    broker: EmbeddedBroker
    databases: dict[str, str]
    env: dict[str, str]
    mail: MailSink
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    @property
    def kafka(self) -> str:
        return self.broker.bootstrap_servers

    def url(self, name: str = "billing") -> str:
        return self.processes[name].url

    # --- processes -------------------------------------------------------------------

    def process(self, name: str, port: int) -> ServiceProcess:
        service = name.split("-")[0]
        env = {**self.env, f"{service.upper()}_PORT": str(port)}
        return ServiceProcess(service, port, env, log_file=self.tmp / f"{name}.log")

    async def start(self, name: str, port: int | None = None) -> ServiceProcess:
        process = self.processes.get(name) or self.process(name, port or free_port())
        self.processes[name] = process
        process.start()
        await asyncio.to_thread(process.wait_ready, 90)
        return process

    async def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed."""
        await asyncio.to_thread(self.processes[name].kill)

    async def restart(self, name: str) -> float:
        """Kill and start again on the same port; answers how long until it was ready."""
        await self.kill(name)
        started = time.monotonic()
        await self.start(name)
        return time.monotonic() - started

    def freeze(self, name: str) -> None:
        """SIGSTOP: the process holds its connections but does nothing, as under a long GC
        pause or a starved host."""
        process = self.processes[name].process
        assert process is not None
        process.send_signal(signal.SIGSTOP)

    def thaw(self, name: str) -> None:
        process = self.processes[name].process
        assert process is not None
        process.send_signal(signal.SIGCONT)

    async def restart_broker_empty(self) -> None:
        """The embedded broker keeps nothing: topics, data and offsets are gone."""
        await asyncio.to_thread(self.broker.stop)
        await asyncio.to_thread(self.broker.start)
        await ensure_topics(self.kafka, load_topics())

    # --- databases -------------------------------------------------------------------

    async def _admin(self) -> asyncpg.Connection:
        url = make_url(self.databases["billing"]).set(drivername="postgresql", database="postgres")
        return await asyncpg.connect(url.render_as_string(hide_password=False))

    @asynccontextmanager
    async def database_refused(self, name: str) -> AsyncIterator[None]:
        """The database refuses every connection, and the open ones are cut, as when it
        restarts or fails over: asyncpg answers 'database is not accepting connections'."""
        database = make_url(self.databases[name]).database
        admin = await self._admin()
        try:
            await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", database
            )
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            await admin.close()

    async def rows(self, name: str, query: str, *args: object) -> list[asyncpg.Record]:
        url = make_url(self.databases[name]).set(drivername="postgresql")
        conn = await asyncpg.connect(url.render_as_string(hide_password=False))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    # --- the API ---------------------------------------------------------------------

    async def post(self, path: str, body: dict[str, Any], name: str = "billing") -> dict[str, Any]:
        answer = await self.client.post(f"{self.url(name)}{path}", json=body, headers=ADMIN)
        assert answer.status_code in (200, 201, 202), (path, answer.status_code, answer.text)
        return answer.json()  # type: ignore[no-any-return]

    async def delete(self, path: str, name: str = "billing") -> None:
        answer = await self.client.delete(f"{self.url(name)}{path}", headers=ADMIN)
        assert answer.status_code == 204, (path, answer.status_code, answer.text)

    async def clock(self, name: str = "billing", wait: float = 0) -> dict[str, str]:
        params = {"wait": wait} if wait else None
        answer = await self.client.get(f"{self.url(name)}/v1/test-clock", params=params, headers=ADMIN)
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]

    async def advance(self, seconds: int, *, wait: bool = True) -> None:
        await self.post("/v1/test-clock/advance", {"seconds": seconds})
        if wait:
            await self.ready()

    async def ready(self, timeout: float = 300, name: str = "billing") -> float:
        """Wait until the whole system is quiet (an advance of no time, unless one is
        under way: an advance whose runner was killed is carried on by a restarted
        billing); answers how long it took."""
        started = time.monotonic()
        with contextlib.suppress(httpx.HTTPError):
            await self.client.post(
                f"{self.url(name)}/v1/test-clock/advance", json={"seconds": 0}, headers=ADMIN
            )
        while time.monotonic() - started < timeout:
            try:
                state = await self.clock(name, wait=10)
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
                continue
            if state["status"] == "ready":
                return time.monotonic() - started
            assert state["status"] != "failed", state
        raise AssertionError(
            f"the clock was not ready within {timeout:.0f}s: {await self.clock(name)}; {await self.states()}"
        )

    async def states(self) -> dict[str, object]:
        """Each instance's own account of what it is waiting for."""
        found: dict[str, object] = {}
        for name, process in self.processes.items():
            try:
                answer = await self.client.get(f"{process.url}/v1/test-clock/state", headers=ADMIN, timeout=5)
                found[name] = answer.json()
            except httpx.HTTPError as exc:
                found[name] = f"no answer: {type(exc).__name__}"
        return found

    async def now(self) -> datetime:
        return datetime.fromisoformat((await self.clock())["now"])

    async def subscribers(self, cards: list[str], plan: str = "pro") -> list[dict[str, Any]]:
        """One customer and subscription per card, each paying the first month at once with
        a good card; the card given is put on file after that, for the renewals."""
        await self.post(
            "/v1/plans", {"code": plan, "name": "Pro", "amount": 1500, "currency": "EUR", "interval": "month"}
        )

        async def one(n: int, card: str) -> dict[str, Any]:
            customer = await self.post(
                "/v1/customers", {"email": f"f{n}@example.com", "name": f"F {n}", "timezone": "Europe/Paris"}
            )
            cards = f"/v1/customers/{customer['id']}/payment-methods"
            first = await self.post(cards, {"payment_method": "pm_card_visa"})
            subscription = await self.post(
                "/v1/subscriptions", {"customer_id": customer["id"], "plan_code": plan}
            )
            if card != "pm_card_visa":  # the only card on file: no backup to fall back on
                await self.post(cards, {"payment_method": card})
                await self.delete(f"{cards}/{first['id']}")
            return subscription

        made: list[dict[str, Any]] = []
        for start in range(0, len(cards), 16):
            made += await asyncio.gather(*(one(n, c) for n, c in enumerate(cards[start : start + 16], start)))
        return made


@asynccontextmanager
async def fault_stack(
    databases: DatabaseFactory, tmp: Path, extra_env: dict[str, str] | None = None
) -> AsyncIterator[FaultStack]:
    broker = EmbeddedBroker(port=free_port(), log_file=tmp / "broker.log")
    broker.start()
    mail = MailSink()
    mail.controller.start()
    ports = {name: free_port() for name in SERVICES}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        **dev_portal_keys(tmp / "keys"),
        "CLOCK": "test",
        "TEST_CLOCK_START": CLOCK_START,
        "CHARGE_LEASE_SECONDS": str(LEASE_SECONDS),
        "DUNNING_URL": f"http://127.0.0.1:{ports['dunning']}",
        "PAUSE_URL": f"http://127.0.0.1:{ports['pause']}",
        "BILLING_URL": f"http://127.0.0.1:{ports['billing']}",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{ports['pause']}/portal",
        "SMTP_URL": mail.url,
        **(extra_env or {}),
    }
    urls = {name: await databases.new(name) for name in SERVICES}
    env.update({f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()})
    stack = FaultStack(tmp, broker, urls, env, mail)
    try:
        await ensure_topics(broker.bootstrap_servers, load_topics())
        for name in SERVICES:
            process = stack.process(name, ports[name])
            await asyncio.to_thread(process.migrate)
            stack.processes[name] = process
        for name in SERVICES:
            await stack.start(name)
        yield stack
    finally:
        await stack.client.aclose()
        for process in stack.processes.values():
            await asyncio.to_thread(process.stop)
        mail.controller.stop()
        broker.stop()


def days(n: float) -> int:
    return int(timedelta(days=n).total_seconds())
