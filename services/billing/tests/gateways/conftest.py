"""The Stripe adapter against a real localstripe (the `localstripe_url` fixture, started
once per session by the root conftest; it fails rather than skips if it cannot start).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from billing.adapters.gateways.stripe import StripeGateway
from shared.testing.localstripe import LOCALSTRIPE_KEY

Records = Callable[[str], Awaitable[list[dict[str, Any]]]]


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
