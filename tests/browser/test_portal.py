"""A subscriber in the portal, in a real browser: take a break, come back early, leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from pause.entrypoints.web.page import CUSTOMER_ZONE, day
from shared.testing.waiting import eventually
from tests.browser.helpers import assert_only_local, portal_link, screenshot, subscriber, watch_requests
from tests.e2e.stack import ADMIN, Billing

pytestmark = [pytest.mark.stack, pytest.mark.broker]


async def test_a_subscriber_sees_the_fee_and_resume_date_then_takes_and_ends_a_break(
    stack: Billing, browser_page: Any
) -> None:
    page = browser_page
    customer_id, subscription_id = await subscriber(stack)
    options = (
        await stack.client.get(
            f"{stack.pause_url}/v1/subscriptions/{subscription_id}/pause-options", headers=ADMIN
        )
    ).json()
    one_month = next(d for d in options["durations"] if d["months"] == 1)
    CUSTOMER_ZONE.set("Asia/Singapore")  # the subscriber's zone: dates read on their calendar
    resumes = day(datetime.fromisoformat(one_month["resumes_at"]))
    requested = watch_requests(page)

    await page.goto(await portal_link(stack, customer_id))
    assert "token=" not in page.url
    await page.get_by_text("Visa card ending ••••4242").wait_for()
    await page.get_by_role("link", name="Take a break").click()
    await page.get_by_text("1 month for 1.00 USD").wait_for()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_text(resumes).first.wait_for()
    await screenshot(page, "portal-confirm-pause")
    await page.get_by_role("button", name="Confirm my break").click()
    await page.get_by_text("Your break is booked").wait_for()
    assert resumes in await page.inner_text("main")
    await screenshot(page, "portal-pause-scheduled")
    await assert_only_local(page, requested, stack.pause_url)
    offered = await page.get_by_label("Extend by").locator("option").all_inner_texts()
    assert offered == ["1 more month", "2 more months"], "a 1-month break may grow to the plan's 3 months"

    await page.get_by_role("button", name="Resume now").click()
    await page.get_by_text("Welcome back").wait_for()
    pauses = (
        await stack.client.get(f"{stack.pause_url}/v1/pauses?customer_id={customer_id}", headers=ADMIN)
    ).json()
    assert [p["status"] for p in pauses["data"]] in (["canceled"], ["ended"])

    await page.get_by_role("link", name="Update card").click()
    await page.get_by_label("Card").fill("pm_card_visa")
    await page.get_by_role("button", name="Save card").click()
    await page.get_by_text("your new card is saved").wait_for()
    await screenshot(page, "portal-card-saved")


async def test_cancelling_asks_why_and_offers_a_break_before_confirming(
    stack: Billing, browser_page: Any
) -> None:
    page = browser_page
    customer_id, subscription_id = await subscriber(stack)
    await page.goto(await portal_link(stack, customer_id))

    await page.get_by_role("link", name="Cancel subscription").click()
    await page.get_by_label("I am going away for a while").check()
    await page.get_by_role("button", name="Continue").click()
    offer = page.get_by_text("Take a break instead?")
    leave = page.get_by_role("button", name="Cancel my subscription")
    await offer.wait_for()
    offer_box, leave_box = await offer.bounding_box(), await leave.bounding_box()
    assert offer_box["y"] < leave_box["y"], "the pause offer comes before the cancel button"
    await screenshot(page, "portal-cancel-offer")
    await leave.click()
    await page.get_by_text("Your subscription is canceled").wait_for()

    async def status() -> str:
        return str((await stack.get(f"/v1/subscriptions/{subscription_id}")).json()["status"])

    await eventually(status, lambda s: s == "canceled", timeout=30, interval=0.3)


async def test_a_portal_link_for_one_customer_never_shows_another(stack: Billing, browser_page: Any) -> None:
    page = browser_page
    ada, _ = await subscriber(stack)
    _, someone_else = await subscriber(stack)
    await page.goto(await portal_link(stack, ada))
    answer = await page.goto(f"{stack.pause_url}/portal/subscriptions/{someone_else}/pause")
    assert answer.status == 409
    assert "no subscription" in await page.inner_text("main")
    cookie = await page.context.cookies()
    assert cookie[0]["httpOnly"]
    assert cookie[0]["sameSite"] == "Lax"
