"""A subscriber in the portal, in a real browser: take a break, come back early, leave."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    await page.get_by_text("1 month for $1.00").wait_for()
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

    await page.goto(f"{stack.pause_url}/portal/subscriptions/{subscription_id}/pause")  # a second break?
    refusal = page.get_by_role("alert")
    assert "You already have a break until" in await refusal.inner_text()
    await page.get_by_role("link", name="Extend or resume your break").click()
    await page.get_by_label("Extend by").wait_for()

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
    assert answer.status == 404  # as for a subscription that does not exist: nothing is given away
    assert "no subscription" in await page.inner_text("main")
    await page.get_by_role("link", name="Back to your subscription").click()  # a way forward
    await page.get_by_role("heading", name="Your subscription").wait_for()
    cookie = await page.context.cookies()
    assert cookie[0]["httpOnly"]
    assert cookie[0]["sameSite"] == "Lax"


async def test_with_a_publishable_key_the_card_is_entered_in_stripe_elements_and_becomes_the_default(
    stripe_stack: Billing, browser_page: Any, localstripe_url: str, tmp_path: Path
) -> None:
    page = browser_page
    customer_id, _ = await subscriber(stripe_stack)
    requested = watch_requests(page)
    await page.goto(await portal_link(stripe_stack, customer_id))
    await page.get_by_text("card ending ••••4242").wait_for()

    await page.get_by_role("link", name="Update card").click()
    await page.get_by_placeholder("number").fill("4000056655665556")
    await page.get_by_placeholder("exp_month").fill("11")
    await page.get_by_placeholder("exp_year").fill("31")
    await page.get_by_placeholder("cvc").fill("123")
    await page.get_by_placeholder("postal_code").fill("12345")
    await screenshot(page, "portal-card-elements")
    await page.get_by_role("button", name="Save card").click()
    await page.get_by_text("your new card is saved").wait_for()

    async def shown() -> str:
        await page.goto(f"{stripe_stack.pause_url}/portal")
        return str(await page.inner_text("main"))

    home = await eventually(shown, lambda text: "••••5556" in text, timeout=30, interval=0.5)
    assert "expires 11/2031" in home
    await screenshot(page, "portal-card-elements-saved")
    hosts = {urlsplit(url).netloc for url in requested}
    assert hosts <= {urlsplit(stripe_stack.pause_url).netloc, urlsplit(localstripe_url).netloc}, hosts
    logs = "".join(log.read_text() for log in tmp_path.glob("*.log"))
    assert {"billing.log", "pause.log"} <= {log.name for log in tmp_path.glob("*.log")}
    assert "4000056655665556" not in logs, "the card number never reaches our services"
