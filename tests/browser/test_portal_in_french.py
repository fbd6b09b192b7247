"""A French customer in a real browser: their reminder, their portal, their invoices.

One stack serves the whole story, as a customer lives it: a card that fails, the
reminder in French, a refusal that says what to do instead, then a card that works and
the invoice list with a receipt printed to PDF.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from shared.testing.databases import DatabaseFactory
from shared.testing.waiting import eventually
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import assert_only_local, portal_link, screenshot, watch_requests
from tests.e2e.stack import ADMIN, Billing, running_stack

pytestmark = [pytest.mark.stack, pytest.mark.broker]

SELLER = {"SELLER_NAME": "Plage et Fils SARL", "SELLER_ADDRESS": "12 quai des Dunes\\n33000 Bordeaux"}


async def french_subscriber(billing: Billing, card: str) -> tuple[str, str]:
    plan = {"code": "pro", "name": "Pro Plage", "amount": 1500, "currency": "EUR", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    body = {"email": "zoe@example.fr", "name": "Zoé", "timezone": "Europe/Paris", "locale": "fr"}
    customer = (await billing.post("/v1/customers", body)).json()
    attached = await billing.post(f"/v1/customers/{customer['id']}/payment-methods", {"payment_method": card})
    assert attached.status_code == 201, attached.text
    created = await billing.post("/v1/subscriptions", {"customer_id": customer["id"], "plan_code": "pro"})
    assert created.status_code == 201, created.text
    subscription_id = str(created.json()["id"])

    async def known() -> int:
        url = f"{billing.pause_url}/v1/subscriptions/{subscription_id}/pause-options"
        return (await billing.client.get(url, headers=ADMIN)).status_code

    await eventually(known, lambda status: status == 200, timeout=30, interval=0.2)
    return str(customer["id"]), subscription_id


def reminders(mail: Path) -> list[Any]:
    parser = BytesParser(policy=policy.default)
    found = [parser.parsebytes(path.read_bytes()) for path in sorted(mail.glob("*.eml"))]
    return [m for m in found if str(m["X-Template-Id"]).startswith("dunning.card_update")]


async def test_a_french_customer_reads_the_reminder_the_portal_and_the_receipt_in_french(
    kafka: str, databases: DatabaseFactory, tmp_path: Path, browser_page: Any
) -> None:
    page = browser_page
    async with running_stack(kafka, databases, tmp_path, {**SELLER, "BRAND_NAME": "Plage"}) as stack:
        customer_id, subscription_id = await french_subscriber(stack, "pm_card_chargeDeclinedExpiredCard")
        await stack.advance(seconds=4 * 86400)  # past the quiet days of an expired card
        [reminder] = await eventually(lambda: _reminders(tmp_path), lambda found: len(found) == 1, timeout=30)
        assert reminder["Subject"] == "Un petit mot à propos de votre paiement"
        assert reminder.get_content_type() == "multipart/alternative"
        text = reminder.get_body(("plain",)).get_content()
        html = reminder.get_body(("html",)).get_content()
        assert "15,00\u00a0€" in text
        assert "15,00\u00a0€" in html
        assert "Bonjour Zoé," in text

        requested = watch_requests(page)
        await page.goto(await portal_link(stack, customer_id))
        assert await page.title() == "Votre abonnement · Plage"
        await page.get_by_role("heading", name="Pro Plage").wait_for()
        assert "15,00\u00a0€ par mois" in await page.inner_text("main")
        assert await page.locator("link[rel=icon]").count() == 1
        await assert_accessible(page, "portal home")

        await page.get_by_role("link", name="Faire une pause").click()
        refusal = page.get_by_role("alert")
        await refusal.wait_for()
        assert "paiement est en attente" in await refusal.inner_text()
        await screenshot(page, "portal-fr-refusal")
        await assert_accessible(page, "refusal")
        await page.get_by_role("link", name="Mettre à jour votre carte").click()
        await assert_accessible(page, "card form")
        await page.get_by_label("Carte").fill("pm_card_visa")
        await page.get_by_role("button", name="Enregistrer la carte").click()
        await page.get_by_text("votre nouvelle carte est enregistrée").wait_for()
        await assert_only_local(page, requested, stack.pause_url)

        async def status() -> str:
            return str((await stack.get(f"/v1/subscriptions/{subscription_id}")).json()["status"])

        await eventually(status, lambda s: s == "active", timeout=30, interval=0.3)
        await page.get_by_role("link", name="Voir vos factures").click()
        row = page.get_by_role("row").filter(has_text="Visa •••• 4242")
        await row.wait_for()
        assert "15,00\u00a0€" in await row.inner_text()
        assert "Payée" in await row.inner_text()
        await screenshot(page, "portal-fr-invoices")
        await assert_accessible(page, "invoices")

        await row.get_by_role("link").click()
        await page.get_by_role("heading", name="Reçu").wait_for()
        receipt = await page.inner_text("main")
        assert "Plage et Fils SARL" in receipt
        assert "33000 Bordeaux" in receipt
        assert "Payée le" in receipt
        await assert_accessible(page, "receipt")
        await page.emulate_media(media="print")
        assert not await page.locator("header").is_visible()
        assert not await page.get_by_role("link", name="Toutes les factures").is_visible()
        pdf = await page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        await screenshot(page, "portal-fr-receipt-print")


async def _reminders(tmp_path: Path) -> list[Any]:
    return reminders(tmp_path / "mail")
