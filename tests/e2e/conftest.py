"""Fixtures for the end-to-end tests: the broker and the three services as processes, on the test clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.testing.databases import DatabaseFactory
from shared.testing.localstripe import LOCALSTRIPE_KEY
from tests.e2e.stack import Billing, running_stack


@pytest.fixture
async def billing(kafka: str, databases: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Billing]:
    """The stack with the simulated gateway."""
    async with running_stack(kafka, databases, tmp_path) as stack:
        yield stack


@pytest.fixture
async def stripe_billing(
    kafka: str, databases: DatabaseFactory, tmp_path: Path, localstripe_url: str
) -> AsyncIterator[Billing]:
    """The stack with billing charging through the Stripe adapter, against localstripe."""
    env = {"PAYMENT_GATEWAY": "stripe", "STRIPE_API_KEY": LOCALSTRIPE_KEY, "STRIPE_API_BASE": localstripe_url}
    async with running_stack(kafka, databases, tmp_path, env) as stack:
        yield stack
