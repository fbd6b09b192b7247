"""A real localstripe for the Stripe adapter's tests, started once per session.

localstripe's own CLI binds every interface, so a small wrapper runs its aiohttp app on
127.0.0.1 only. The wrapper also turns off the store's dump to /tmp/localstripe.pickle
after every write, a file that parallel test runs would share. If localstripe cannot
start, the fixture fails rather than skips: CI must run these tests.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from billing.adapters.gateways.stripe import StripeGateway
from shared.testing.brokers import free_port

LOCALSTRIPE_KEY = "sk_test_gateway_tests"  # localstripe accepts any sk_ key
_WRAPPER = """
import sys
from aiohttp import web
import localstripe.resources
import localstripe.server
localstripe.resources.store.dump_to_disk = lambda: None
web.run_app(localstripe.server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
Records = Callable[[str], Awaitable[list[dict[str, Any]]]]


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"localstripe exited with {process.returncode}:\n{log.read_text()}")
        try:
            answer = httpx.get(f"{url}/v1/customers", auth=(LOCALSTRIPE_KEY, ""), timeout=1)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if answer.status_code == 200:
            return
        pytest.fail(f"localstripe answered {answer.status_code}: {answer.text}")
    pytest.fail(f"localstripe did not answer on {url} within 20 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def stripe_gateway(localstripe_url: str) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(LOCALSTRIPE_KEY, localstripe_url, timeout_seconds=5, retry_backoff_seconds=0.05)
    yield gateway
    await gateway.aclose()


async def _list(url: str, path: str, params: dict[str, str | int]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url, auth=(LOCALSTRIPE_KEY, "")) as client:
        answer = await client.get(path, params=params)
    answer.raise_for_status()
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


@pytest.fixture
def localstripe_charges(localstripe_url: str) -> Records:
    """Every charge localstripe made for a customer, successful or not."""

    async def charges(customer: str) -> list[dict[str, Any]]:
        return await _list(localstripe_url, "/v1/charges", {"customer": customer, "limit": 100})

    return charges


@pytest.fixture
def localstripe_intents(localstripe_url: str) -> Records:
    """Every PaymentIntent localstripe holds for a customer.

    localstripe cannot filter PaymentIntents by customer, so this reads them all.
    """

    async def intents(customer: str) -> list[dict[str, Any]]:
        everything = await _list(localstripe_url, "/v1/payment_intents", {"limit": 10_000})
        return [intent for intent in everything if intent["customer"] == customer]

    return intents
