"""Each way a failed payment comes back, once, across the stack: the report names each.

Four customers subscribe at the clock's start and their first charge fails: the
network's account updater replaces one card a day later, one soft decline clears at
the first silent retry, another only at the retry after the first reminder, and one
customer gives a new card at once. Thirty days after the closes, the cohort is complete.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from billing.adapters.gateways.simulated import UPDATER_AT_PREFIX
from shared.testing.waiting import eventually
from tests.e2e.stack import FINANCE, Billing, read_all, validate

pytestmark = [pytest.mark.stack, pytest.mark.broker]

DAY = 86400


async def subscriber(billing: Billing, card: str) -> tuple[str, str]:
    plan = {"code": "pro", "name": "Pro", "amount": 1500, "currency": "USD", "interval": "month"}
    assert (await billing.post("/v1/plans", plan)).status_code in (201, 409)
    customer_id = await billing.customer_with_card(card)
    created = await billing.post("/v1/subscriptions", {"customer_id": customer_id, "plan_code": "pro"})
    assert created.status_code == 201, created.text
    return customer_id, str(created.json()["id"])


async def finance(billing: Billing, path: str) -> Any:
    answer = await billing.client.get(f"{billing.dunning_url}{path}", headers=FINANCE)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_every_recovery_is_credited_to_what_recovered_it(billing: Billing, kafka: str) -> None:
    now = datetime.fromisoformat((await billing.get("/v1/test-clock")).json()["now"])
    updater_card = f"{UPDATER_AT_PREFIX}{int((now + timedelta(days=1)).timestamp())}"
    customers = {
        "card_updater": await subscriber(billing, updater_card),
        "silent_retry": await subscriber(billing, "pm_sim_soft_declines_1_1"),
        "retry_after_reminder": await subscriber(billing, "pm_sim_soft_declines_2_1"),
        "customer_card_update": await subscriber(billing, "pm_card_chargeDeclinedExpiredCard"),
    }
    await eventually(
        lambda: finance(billing, "/v1/dunning/cases"), lambda page: len(page["data"]) == 4, timeout=30
    )
    replaced = await billing.post(
        f"/v1/customers/{customers['customer_card_update'][0]}/payment-methods",
        {"payment_method": "pm_card_visa"},
    )
    assert replaced.status_code == 201, replaced.text

    await billing.advance(seconds=4 * DAY)

    report = await finance(billing, "/v1/dunning/report?group_by=recovery_method")
    assert {g["group"]: g["cases"] for g in report["groups"]} == dict.fromkeys(customers, 1)
    assert {m: n for m, n in report["total"]["recovery_methods"].items() if n} == dict.fromkeys(customers, 1)
    closed = {
        e["subject"]: e["data"]
        for e in await read_all(kafka, "dunning.events")
        if e["type"] == "dunning.case_closed"
    }
    for event in await read_all(kafka, "dunning.events"):
        validate(event)
    for method, (_, subscription_id) in customers.items():
        assert closed[subscription_id]["recovery_method"] == method  # type: ignore[index]
    reminded = closed[customers["retry_after_reminder"][1]]
    assert reminded["last_message_number"] == 1  # type: ignore[index]
    [cohort] = (await finance(billing, "/v1/dunning/report?group_by=cohort"))["groups"]
    assert (cohort["group"], cohort["complete"], cohort["retention_checked"]) == ("2026-03", False, 0)

    await billing.advance(seconds=31 * DAY)

    [cohort] = (await finance(billing, "/v1/dunning/report?group_by=cohort"))["groups"]
    assert (cohort["complete"], cohort["retention_checked"], cohort["retained_30d"]) == (True, 4, 4)
    cases = (await finance(billing, "/v1/dunning/cases"))["data"]
    by_subscription = {case["subscription_id"]: case for case in cases}
    for method, (_, subscription_id) in customers.items():
        case = by_subscription[subscription_id]
        assert (case["recovery_method"], case["retained_30d"], case["retention_check_at"]) == (
            method,
            True,
            None,
        )
