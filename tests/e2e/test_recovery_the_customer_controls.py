"""Recovery the customer controls, on the real broker and the test clock.

A reminder's link holds dunning's recovery token; the portal exchanges it for an
ordinary portal session (an HttpOnly cookie) that may update the card but not cancel,
and once the case is settled the same link says so. A payment date the customer picks
is the day of the retry, with no reminder before it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.http.portal_auth import COOKIE
from shared.testing.mailbox import plain_text
from shared.testing.waiting import eventually
from tests.e2e.stack import FINANCE, Billing, read_all

pytestmark = [pytest.mark.stack, pytest.mark.broker]
LINK = re.compile(r"http://\S+/portal\?token=rt_[\w-]+")


def reminder_links(mail: Path) -> list[str]:
    found = []
    for path in sorted(mail.glob("*.eml")):
        found += LINK.findall(plain_text(path))
    return found


async def test_a_reminder_link_opened_five_days_after_its_email_lets_the_customer_update_the_card(
    billing: Billing, tmp_path: Path
) -> None:
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    customer_id = await billing.customer_with_card("pm_card_chargeDeclinedExpiredCard")
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    subscription_id = created.json()["id"]
    assert created.json()["status"] == "past_due"

    await billing.advance(seconds=4 * 86400)  # past the expired card's 3 quiet days: one reminder
    [link] = await eventually(lambda: _links(tmp_path), lambda links: len(links) == 1)
    await billing.advance(seconds=5 * 86400)

    async with httpx.AsyncClient(timeout=30) as browser:
        opened = await browser.get(link)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/portal"
        assert "httponly" in opened.headers["set-cookie"].lower()
        session = opened.cookies[COOKIE]
        assert not session.startswith("rt_"), "the recovery token itself is never the session"
        home = await browser.get(f"{billing.pause_url}/portal")
        assert home.status_code == 200
        assert "Lin" in home.text

        me = {"Authorization": f"Bearer {session}"}
        leave = await browser.post(
            f"{billing.pause_url}/v1/subscriptions/{subscription_id}/cancel-intent",
            json={"reason": "too expensive"},
            headers=me,
        )
        assert leave.status_code == 403, leave.text
        card = await browser.post(
            f"{billing.url}/v1/customers/{customer_id}/payment-methods",
            json={"payment_method": "pm_card_visa"},
            headers=me,
        )
        assert card.status_code == 201, card.text
        minted = await browser.post(
            f"{billing.url}/v1/portal-sessions", json={"customer_id": customer_id}, headers=me
        )
        assert minted.status_code in (401, 403), "a recovery session mints no session of its own"

    await billing.advance(seconds=3600)
    case = (
        await billing.client.get(
            f"{billing.dunning_url}/v1/dunning/cases?customer_id={customer_id}", headers=FINANCE
        )
    ).json()["data"][0]
    assert case["outcome"] == "recovered"
    current = (await billing.get(f"/v1/subscriptions/{subscription_id}")).json()
    assert current["status"] == "active"

    async with httpx.AsyncClient(timeout=30) as browser:
        settled = await browser.get(link)
        assert settled.status_code == 200
        assert "All settled" in settled.text
        assert COOKIE not in settled.cookies
        forged = await browser.get(link[:-4] + "abcd")
        assert forged.status_code == 401
        assert "expired or is not valid" in forged.text


async def _links(tmp_path: Path) -> list[str]:
    return reminder_links(tmp_path / "mail")


async def test_a_chosen_payment_date_is_the_day_of_the_retry_with_no_reminder_before_it(
    billing: Billing, kafka: str
) -> None:
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    funds_from = int(datetime(2026, 3, 19, tzinfo=UTC).timestamp())
    customer_id = await billing.customer_with_card(f"pm_sim_insufficient_funds_until_{funds_from}")
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    subscription_id = created.json()["id"]
    assert created.json()["status"] == "past_due"
    [case] = await eventually(lambda: _cases(billing, customer_id), lambda cases: len(cases) == 1)
    session = (await billing.post("/v1/portal-sessions", {"customer_id": customer_id})).json()["token"]
    me = {"Authorization": f"Bearer {session}"}

    chosen = await billing.client.post(
        f"{billing.dunning_url}/v1/dunning/cases/{case['id']}/payment-date",
        json={"date": "2026-03-20"},
        headers=me,
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["payment_date"] == "2026-03-20"

    # 09:00 in Singapore on 20 March is 01:00 UTC: nothing until then, though the policy
    # alone would have reminded on the 12th and retried on the 13th and the 15th.
    await billing.advance(to="2026-03-20T00:30:00+00:00")
    assert [e for e in await read_all(kafka, "notifications") if e["subject"] == subscription_id] == []
    assert [e for e in await read_all(kafka, "billing.commands") if e["type"] == "payment.retry"] == []

    await billing.advance(to="2026-03-20T02:00:00+00:00")
    [retry] = [e for e in await read_all(kafka, "billing.commands") if e["type"] == "payment.retry"]
    assert retry["data"]["reason"] == "customer_date"  # type: ignore[index]
    assert datetime.fromisoformat(retry["data"]["requested_at"]) == datetime(2026, 3, 20, 1, 0, tzinfo=UTC)  # type: ignore[index]
    case_url = f"{billing.dunning_url}/v1/dunning/cases/{case['id']}"
    assert (await billing.client.get(case_url, headers=me)).status_code == 401, (
        "a portal session lasts an hour"
    )
    detail = (await billing.client.get(case_url, headers=FINANCE)).json()
    assert detail["outcome"] == "recovered"
    assert ("payment_date", "customer chose 2026-03-20") in [
        (e["kind"], e["detail"]) for e in detail["timeline"]
    ]
    assert detail["reminders_sent"] == 0
    assert (await billing.get(f"/v1/subscriptions/{subscription_id}")).json()["status"] == "active"


async def _cases(billing: Billing, customer_id: str) -> list[dict[str, Any]]:
    answer = await billing.client.get(
        f"{billing.dunning_url}/v1/dunning/cases?customer_id={customer_id}", headers=FINANCE
    )
    return answer.json()["data"]  # type: ignore[no-any-return]


async def test_a_lost_default_card_with_a_good_backup_recovers_silently(billing: Billing, kafka: str) -> None:
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    customer_id = await billing.customer_with_card("pm_card_chargeDeclinedLostCard")
    backup = await billing.post(
        f"/v1/customers/{customer_id}/payment-methods", {"payment_method": "pm_card_visa", "default": False}
    )
    assert backup.status_code == 201, backup.text
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    subscription_id = created.json()["id"]
    assert created.json()["status"] == "past_due"

    await billing.advance(seconds=3600)

    [case] = await _cases(billing, customer_id)
    assert (case["outcome"], case["reminders_sent"]) == ("recovered", 0)
    [retry] = [e for e in await read_all(kafka, "billing.commands") if e["type"] == "payment.retry"]
    assert retry["data"]["payment_method_id"] == backup.json()["id"]  # type: ignore[index]
    assert [e for e in await read_all(kafka, "notifications") if e["subject"] == subscription_id] == []
    assert (await billing.get(f"/v1/subscriptions/{subscription_id}")).json()["status"] == "active"
    invoices = (await billing.get(f"/v1/invoices?subscription_id={subscription_id}")).json()["data"]
    assert [(i["status"], i["total"]["amount"]) for i in invoices] == [("paid", 1500)]
