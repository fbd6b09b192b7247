"""A subscriber manages their cards in the portal, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import assert_only_local, portal_link, screenshot, subscriber, watch_requests
from tests.e2e.stack import ADMIN, Billing

pytestmark = [pytest.mark.stack, pytest.mark.broker]


async def test_a_subscriber_adds_a_backup_makes_it_the_default_and_cannot_remove_the_last_card(
    stack: Billing, browser_page: Any
) -> None:
    page = browser_page
    customer_id, _ = await subscriber(stack)
    requested = watch_requests(page)

    await page.goto(await portal_link(stack, customer_id))
    await page.get_by_role("link", name="Manage cards").click()
    await page.get_by_label("Card (payment method id from the payment form)").fill("pm_card_mastercard")
    await page.get_by_role("button", name="Add card").click()
    await page.get_by_text("Your card is saved.").wait_for()
    mastercard = page.get_by_role("listitem").filter(has_text="Mastercard ending ••••4444")
    visa = page.get_by_role("listitem").filter(has_text="Visa ending ••••4242")
    assert "Default" in await visa.inner_text()
    assert "Default" not in await mastercard.inner_text()
    await screenshot(page, "portal-cards-with-backup")

    await mastercard.get_by_role("button", name="Make default").click()
    await page.get_by_text("That card is your default now.").wait_for()
    assert "Default" in await mastercard.inner_text()
    await visa.get_by_role("button", name="Remove").click()
    await page.get_by_text("Card removed.").wait_for()
    assert await visa.count() == 0

    await mastercard.get_by_role("button", name="Remove").click()
    await page.get_by_role("alert").get_by_text("This is your only card").wait_for()
    await screenshot(page, "portal-cards-last-card-kept")
    await assert_only_local(page, requested, stack.pause_url)
    listed = (
        await stack.client.get(f"{stack.url}/v1/customers/{customer_id}/payment-methods", headers=ADMIN)
    ).json()
    assert [(c["last4"], c["default"]) for c in listed["data"]] == [("4444", True)]
