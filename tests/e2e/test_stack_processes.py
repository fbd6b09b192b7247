"""The three services and the broker as separate processes, as `make run` starts them."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from shared.db import create_engine
from shared.messaging.topics import ensure_topics, load_topics
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import free_port
from shared.testing.databases import DatabaseFactory
from shared.testing.log_secrets import assert_no_leaks
from shared.testing.waiting import eventually

pytestmark = [pytest.mark.stack, pytest.mark.broker]
ADMIN = {"Authorization": "Bearer dev-admin-key"}


@dataclass
class RunningStack:
    billing: ServiceProcess
    dunning: ServiceProcess
    pause: ServiceProcess
    databases: dict[str, str]
    env: dict[str, str]
    logs: Path

    async def count(self, service: str, table: str) -> int:
        engine = create_engine(self.databases[service])
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(text(table)))).scalar_one())
        finally:
            await engine.dispose()


def _start(processes: list[ServiceProcess]) -> None:
    for process in processes:
        process.migrate()
        process.start()
    for process in processes:
        process.wait_ready(timeout=60)


@pytest.fixture
async def stack(
    kafka: str, databases: DatabaseFactory, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[RunningStack]:
    await ensure_topics(kafka, load_topics())
    urls = {name: await databases.new(name) for name in ("billing", "dunning", "pause")}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        **dev_portal_keys(tmp_path / "keys"),
        **{f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()},
        **getattr(request, "param", {}),
    }
    processes = [
        ServiceProcess(name, free_port(), env, log_file=tmp_path / f"{name}.log")
        for name in ("billing", "dunning", "pause")
    ]
    for process in processes:
        env[f"{process.name.upper()}_PORT"] = str(process.port)
        process.env[f"{process.name.upper()}_PORT"] = str(process.port)
    try:
        await asyncio.to_thread(_start, processes)
        billing, dunning, pause = processes
        yield RunningStack(billing, dunning, pause, databases=urls, env=env, logs=tmp_path)
    finally:
        for process in processes:
            process.stop()
    assert_no_leaks(tmp_path, env)


CONSUMER_GROUPS = {
    "billing": ["billing.commands", "billing.pause-events"],
    "dunning": ["dunning.billing-events", "notifier"],
    "pause": ["pause.billing-events", "pause.dunning-events"],
}


async def test_every_service_is_ready_and_serves_metrics_that_promtool_accepts(
    stack: RunningStack, promtool: str
) -> None:
    async with httpx.AsyncClient() as client:
        for process in (stack.billing, stack.dunning, stack.pause):
            assert (await client.get(f"{process.url}/healthz")).json() == {"status": "ok"}
            ready = (await client.get(f"{process.url}/readyz")).json()
            assert ready == {
                "status": "ready",
                "checks": {"database": "ok", "schema": "ok", "broker": "ok", "delivery": "ok"},
            }
            metrics = (await client.get(f"{process.url}/metrics")).text
            assert "http_requests_total" in metrics
            assert 'readiness_check_ok{check="broker"} 1.0' in metrics
            assert "outbox_oldest_pending_age_seconds" in metrics
            for group in CONSUMER_GROUPS[process.name]:
                assert f'consumer_lag_messages{{group="{group}"' in metrics, (process.name, group)
            checked = subprocess.run(
                [promtool, "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=30
            )
            assert (checked.returncode, checked.stdout + checked.stderr) == (0, ""), process.name
            assert (await client.get(f"{process.url}/openapi.json")).status_code == 200


async def test_a_customer_follows_from_billing_to_dunning_and_pause(stack: RunningStack) -> None:
    async with httpx.AsyncClient() as client:
        created = await client.post(
            f"{stack.billing.url}/v1/customers",
            json={"email": "grace@example.com", "name": "Grace Hopper", "timezone": "America/New_York"},
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text
        customer_id = created.json()["id"]
        for process in (stack.dunning, stack.pause):

            async def replica(process: ServiceProcess = process) -> httpx.Response:
                return await client.get(f"{process.url}/v1/customers/{customer_id}", headers=ADMIN)

            found = await eventually(replica, lambda r: r.status_code == 200, what=f"{process.name} replica")
            assert found.json()["timezone"] == "America/New_York"


@pytest.mark.parametrize("stack", [{"OUTBOX_RELAY": "off"}], indirect=True)
async def test_killing_the_relay_mid_burst_loses_no_event_and_applies_none_twice(stack: RunningStack) -> None:
    relay = ServiceProcess("billing", 0, stack.env, log_file=stack.logs / "relay.log", command="relay")
    relay.start()
    burst, posted = 1000, 0
    limit = asyncio.Semaphore(16)

    async with httpx.AsyncClient(timeout=30) as client:

        async def post(n: int) -> None:
            nonlocal posted
            # As a careful client does: a connection dropped under load is retried with
            # the same key, which must still make one customer.
            headers = {**ADMIN, "Idempotency-Key": f"burst-{n}"}
            body = {"email": f"c{n}@example.com", "name": f"Customer {n}", "timezone": "UTC"}
            async with limit:
                for attempt in range(3):
                    try:
                        response = await client.post(
                            f"{stack.billing.url}/v1/customers", json=body, headers=headers
                        )
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                assert response.status_code == 201, response.text
                posted += 1

        async def kill_and_restart_relay() -> None:
            await eventually(
                lambda: stack.count("dunning", "customer_profiles"), lambda n: n >= 100, timeout=60
            )
            relay.kill()
            await asyncio.sleep(0.5)
            relay.start()

        await asyncio.gather(kill_and_restart_relay(), *(post(n) for n in range(burst)))
    assert posted == burst
    try:
        for service in ("dunning", "pause"):

            async def state(service: str = service) -> tuple[int, int]:
                return (
                    await stack.count(service, "customer_profiles"),
                    await stack.count(service, "inbox_messages"),
                )

            assert await eventually(state, lambda s: s == (burst, burst), timeout=90, what=service) == (
                burst,
                burst,
            )
        assert await stack.count("billing", "outbox_messages") == burst
    finally:
        relay.stop()


def test_a_port_already_in_use_gets_a_clear_message_naming_the_variable(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "dunning", "serve"],
            env={"DUNNING_PORT": str(port), "DUNNING_DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "PATH": ""},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 3
    assert "already in use" in result.stderr
    assert "DUNNING_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_banner_says_where_the_dashboard_and_the_portal_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.stack.__main__ import _banner

    processes = [ServiceProcess(n, p, {}, log_file=tmp_path / f"{n}.log") for n, p in (
        ("billing", 8001), ("dunning", 8002), ("pause", 8003))]  # fmt: skip
    _banner("127.0.0.1:19092", ["billing.events"], processes, tmp_path, embedded=True)

    printed = capsys.readouterr().out
    assert "dashboard http://127.0.0.1:8002/dashboard" in printed
    assert "portal    http://127.0.0.1:8003/portal" in printed
    assert "POST http://127.0.0.1:8001/v1/portal-sessions" in printed
