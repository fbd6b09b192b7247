"""Fixtures for the browser tests: the real stack as processes, and Debian's Chromium.

Browsers cannot be downloaded here, so Playwright drives /usr/bin/chromium. Without it
the tests skip with the reason, except under REQUIRE_REAL_SERVICES=1 (CI), where a
missing browser is a failure that says how to install it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.testing.databases import DatabaseFactory
from shared.testing.localstripe import LOCALSTRIPE_KEY
from tests.e2e.stack import Billing, running_stack

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_REAL_SERVICES=1); install it with: apt-get install -y chromium")
    pytest.skip(reason)


@pytest.fixture
async def stack(kafka: str, databases: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Billing]:
    async with running_stack(kafka, databases, tmp_path) as running:
        yield running


@pytest.fixture
async def stripe_stack(
    kafka: str, databases: DatabaseFactory, tmp_path: Path, localstripe_url: str
) -> AsyncIterator[Billing]:
    """Billing on the Stripe adapter and the portal on Stripe Elements, both against localstripe.

    localstripe serves a stand-in for Stripe.js, so the browser's card entry runs offline.
    """
    env = {
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_API_KEY": LOCALSTRIPE_KEY,
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_PUBLISHABLE_KEY": "pk_test_portal",
        "STRIPE_JS_URL": f"{localstripe_url}/js.stripe.com/v3/",
    }
    async with running_stack(kafka, databases, tmp_path, env) as running:
        yield running


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    """A fresh page at a phone's size (390 x 844); the portal must work there."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -r requirements-dev.txt)")
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        page = await context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            await browser.close()
