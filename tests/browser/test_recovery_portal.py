"""A past-due customer acts on the reminder in their mailbox, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shared.testing.mailbox import plain_text
from shared.testing.waiting import eventually
from tests.browser.helpers import assert_only_local, screenshot, subscriber, watch_requests
from tests.e2e.stack import FINANCE, Billing

pytestmark = [pytest.mark.stack, pytest.mark.broker]
LINK = re.compile(r"http://\S+/portal\?token=rt_[\w-]+")


def links_in_mailbox(mail: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(mail.glob("*.eml")):
        found += LINK.findall(plain_text(path))
    return found


async def test_the_reminders_link_opens_the_portal_where_the_customer_picks_a_payment_date(
    stack: Billing, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    customer_id, _ = await subscriber(stack, "pm_card_chargeDeclinedInsufficientFunds")
    await stack.advance(seconds=2 * 86400 + 4 * 3600)  # the first gentle reminder, on day 2

    async def mailbox() -> list[str]:
        return links_in_mailbox(tmp_path / "mail")

    [link] = await eventually(mailbox, lambda links: len(links) == 1)
    requested = watch_requests(page)

    await page.goto(link)
    assert "token=" not in page.url
    await page.get_by_role("link", name="Pick a payment date").click()
    await page.get_by_label("Payment date").fill("2026-03-20")
    await screenshot(page, "portal-pick-payment-date")
    await page.get_by_role("button", name="Charge me on this day").click()

    await page.get_by_text("We will take the payment on Friday 20 March 2026 at 09:00").wait_for()
    await screenshot(page, "portal-payment-date-set")
    await assert_only_local(page, requested, stack.pause_url)
    answer = await stack.client.get(
        f"{stack.dunning_url}/v1/dunning/cases?customer_id={customer_id}", headers=FINANCE
    )
    [case] = answer.json()["data"]
    assert case["payment_date"] == "2026-03-20"


async def test_a_day_out_of_range_is_refused_beside_the_field(stack: Billing, browser_page: Any) -> None:
    page = browser_page
    customer_id, _ = await subscriber(stack, "pm_card_chargeDeclinedInsufficientFunds")
    session = (await stack.post("/v1/portal-sessions", {"customer_id": customer_id})).json()["url"]

    await page.goto(session)

    async def date_form() -> int:  # once pause has heard of the dunning case
        await page.goto(f"{stack.pause_url}/portal/payment-date")
        return int(await page.locator("#date").count())

    await eventually(date_form, lambda found: found == 1, timeout=30, interval=0.3)
    await page.evaluate("document.getElementById('date').removeAttribute('max')")
    await page.get_by_label("Payment date").fill("2026-04-30")
    await page.get_by_role("button", name="Charge me on this day").click()

    await page.get_by_role("alert").get_by_text("choose a day from").wait_for()
