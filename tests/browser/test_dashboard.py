"""Finance's dashboard in a real browser shows the same numbers as the report API."""

from __future__ import annotations

from typing import Any

import pytest

from shared.money import Money
from shared.testing.waiting import eventually
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import assert_only_local, screenshot, subscriber, watch_requests
from tests.e2e.stack import FINANCE, Billing

pytestmark = [pytest.mark.stack, pytest.mark.broker]


async def test_the_dashboard_shows_the_reports_numbers_after_a_recovery(
    stack: Billing, browser_page: Any
) -> None:
    page = browser_page
    customer_id, _ = await subscriber(stack, card="pm_card_chargeDeclinedExpiredCard")
    cases_url = f"{stack.dunning_url}/v1/dunning/cases?customer_id={customer_id}"

    async def cases() -> list[dict[str, Any]]:
        return (await stack.client.get(cases_url, headers=FINANCE)).json()["data"]  # type: ignore[no-any-return]

    await eventually(cases, lambda found: len(found) == 1, timeout=30, interval=0.3)
    card = await stack.post(
        f"/v1/customers/{customer_id}/payment-methods", {"payment_method": "pm_card_visa"}
    )
    assert card.status_code == 201, card.text
    await eventually(cases, lambda found: found[0]["outcome"] == "recovered", timeout=60, interval=0.3)
    report = (await stack.client.get(f"{stack.dunning_url}/v1/dunning/report", headers=FINANCE)).json()[
        "total"
    ]
    requested = watch_requests(page)
    await page.set_viewport_size({"width": 1280, "height": 900})  # finance works at a desk

    await page.goto(f"{stack.dunning_url}/dashboard")
    await assert_accessible(page, "dashboard sign-in")
    await page.get_by_label("Finance API key").fill("not-the-key")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("That key is not the finance key").wait_for()
    await page.get_by_label("Finance API key").fill("dev-finance-key")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("Recovery curve by policy variant").wait_for()

    async def kpi(name: str) -> str:
        return str(await page.locator(f'[data-kpi="{name}"]').get_attribute("data-value"))

    assert await kpi("cases") == str(report["cases"]) == "1"
    assert float(await kpi("recovery_rate")) == report["recovery_rate"] == 1.0
    assert await kpi("recovered_amount") == ", ".join(Money(**m).format() for m in report["recovered_amount"])
    assert await kpi("recovered_without_reminders") == str(report["recovered_without_reminders"])
    assert float(await kpi("reminders_per_recovered_case")) == report["reminders_per_recovered_case"]
    assert "100.0%" in await page.inner_text("main")
    cohort = page.locator('[data-chart="methods-by-cohort"] g[data-cohort]')
    assert await cohort.count() == 1
    assert await cohort.get_attribute("data-complete") == "false"  # its 30-day check is to come
    assert await cohort.get_attribute("opacity") == "0.35"
    bar = cohort.locator("rect")
    assert (await bar.get_attribute("data-method"), await bar.get_attribute("data-count")) == (
        "customer_card_update",
        "1",
    )
    assert await page.locator('[data-chart="methods-by-cohort"]').is_visible()
    await page.get_by_text("No holdout cases in this period").wait_for()
    await screenshot(page, "dashboard")
    await assert_accessible(page, "dashboard")
    await assert_only_local(page, requested, stack.dunning_url)

    csv = await page.request.get(f"{stack.dunning_url}/dashboard/report.csv")
    assert csv.status == 200
    assert "expired_card" in await csv.text()
    await page.get_by_role("link", name=(await cases())[0]["id"]).click()
    await page.get_by_text("card updated").wait_for()
    await screenshot(page, "dashboard-case")
    await assert_accessible(page, "dashboard case")
