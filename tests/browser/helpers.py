"""What the browser tests share: a subscriber with a plan, and the no-internet check."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from shared.testing.waiting import eventually
from tests.browser.conftest import ARTIFACTS
from tests.e2e.stack import ADMIN, Billing

HOSTS = re.compile(r"""(?:src|href|action)\s*=\s*["'](https?://[^"'/]+)""", re.I)


async def subscriber(billing: Billing, card: str = "pm_card_visa") -> tuple[str, str]:
    """A customer on the `pro` plan, once pause's replica knows the subscription."""
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    customer_id = await billing.customer_with_card(card)
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    assert created.status_code == 201, created.text
    subscription_id = str(created.json()["id"])

    async def options() -> int:
        url = f"{billing.pause_url}/v1/subscriptions/{subscription_id}/pause-options"
        return (await billing.client.get(url, headers=ADMIN)).status_code

    await eventually(options, lambda status: status == 200, timeout=30, interval=0.2)
    return customer_id, subscription_id


async def portal_link(billing: Billing, customer_id: str) -> str:
    answer = await billing.post("/v1/portal-sessions", {"customer_id": customer_id})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["url"])


def watch_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


async def assert_only_local(page: Any, requested: list[str], origin: str) -> None:
    """No asset from the internet: every request and every link stays on the app."""
    app = urlsplit(origin).netloc
    assert all(urlsplit(url).netloc == app for url in requested), requested
    foreign = [h for h in HOSTS.findall(await page.content()) if urlsplit(h).netloc != app]
    assert not foreign, foreign


async def screenshot(page: Any, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
