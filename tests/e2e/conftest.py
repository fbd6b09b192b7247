"""Fixtures for the end-to-end tests: the broker and the three services as processes, on the test clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from shared.messaging.topics import ensure_topics, load_topics
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess
from shared.testing.brokers import free_port
from shared.testing.databases import DatabaseFactory
from tests.e2e.stack import Billing


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
        "BILLING_URL": f"http://127.0.0.1:{ports['billing']}",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{ports['pause']}/portal",
        "MAIL_DIR": str(tmp_path / "mail"),
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
            yield Billing(processes[0].url, client, processes[1].url, processes[2].url)
    finally:
        for process in processes:
            process.stop()
