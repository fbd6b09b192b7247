"""The payment-date API on a real database: who may choose, what is refused, what it answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from dunning.bootstrap import bootstrap
from dunning.settings import DunningSettings
from shared.clock import TestClock
from shared.contracts import encode_event, new_event
from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated, PaymentFailed, PaymentSucceeded
from shared.db.migrations import upgrade
from shared.messaging.consumer import SourceInfo
from shared.money import Money
from shared.portal_tokens import PortalTokenSigner, generate_key_pair
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 15:00 on 10 March in Paris
ADMIN = {"Authorization": "Bearer dev-admin-key"}
FINANCE = {"Authorization": "Bearer dev-finance-key"}
PRIVATE, PUBLIC = generate_key_pair()


class Dunning:
    def __init__(self, http: httpx.AsyncClient, feed: Any) -> None:
        self.http, self.feed = http, feed
        self.signer = PortalTokenSigner(PRIVATE)

    def as_customer(self, customer_id: str, recovery_case: str | None = None) -> dict[str, str]:
        token = self.signer.mint(customer_id, NOW, recovery_case=recovery_case).token
        return {"Authorization": f"Bearer {token}"}

    async def case_of(self, n: int) -> str:
        answer = await self.http.get(f"/v1/dunning/cases?customer_id=cus_{n}", headers=FINANCE)
        return str(answer.json()["data"][0]["id"])

    async def choose(self, case_id: str, day: object, headers: dict[str, str]) -> httpx.Response:
        return await self.http.post(
            f"/v1/dunning/cases/{case_id}/payment-date", json={"date": day}, headers=headers
        )


def facts(n: int) -> list[EventData]:
    ids = {"subscription_id": f"sub_{n}", "customer_id": f"cus_{n}"}
    return [
        CustomerCreated(
            customer_id=f"cus_{n}", email=f"c{n}@example.com", name=f"C{n}", timezone="Europe/Paris",
            created_at=NOW,
        ),
        PaymentFailed(
            **ids, payment_id=f"pay_{n}", invoice_id=f"in_{n}", amount=Money.of(1500, "EUR"),
            attempt_number=1, attempted_at=NOW, decline_code="insufficient_funds",
        ),
    ]  # fmt: skip


@pytest.fixture
async def dunning(databases: DatabaseFactory) -> AsyncIterator[Dunning]:
    settings = settings_for(
        DunningSettings, DUNNING_DATABASE_URL=await databases.new("dunning"), PORTAL_PUBLIC_KEY=PUBLIC
    )
    service = bootstrap(settings, clock=TestClock(NOW))
    await upgrade(service.engine, "dunning")
    offset = 0

    async def feed(*events: EventData) -> None:
        nonlocal offset
        for fact in events:
            offset += 1
            raw = encode_event(new_event(fact, source="/billing", time=NOW))
            await service.consumers[0].process(raw, SourceInfo("billing.events", 0, offset, None))

    await feed(*facts(1), *facts(2))
    transport = httpx.ASGITransport(app=service.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://d") as http:
        yield Dunning(http, feed)
    await service.engine.dispose()


async def test_the_customer_picks_a_day_with_their_portal_session_and_sees_it_on_their_case(
    dunning: Dunning,
) -> None:
    case_id, me = await dunning.case_of(1), dunning.as_customer("cus_1")

    answer = await dunning.choose(case_id, "2026-03-20", me)

    assert answer.status_code == 200, answer.text
    assert answer.json()["payment_date"] == "2026-03-20"
    mine = (await dunning.http.get(f"/v1/dunning/cases/{case_id}", headers=me)).json()
    assert ("payment_date", "customer chose 2026-03-20") in [
        (e["kind"], e["detail"]) for e in mine["timeline"]
    ]
    assert datetime.fromisoformat(mine["next_due_at"]) == datetime(
        2026, 3, 20, 8, 0, tzinfo=UTC
    )  # 09:00 Paris
    seen_by_finance = (await dunning.http.get(f"/v1/dunning/cases/{case_id}", headers=FINANCE)).json()
    assert seen_by_finance["payment_date"] == "2026-03-20"


@pytest.mark.parametrize(
    "day", ["2026-03-10", "2026-03-25", "20-03-2026", "2026-03-20T09:00:00Z", 20260320, None]
)
async def test_a_day_out_of_range_or_not_a_date_gets_a_4xx_naming_date(dunning: Dunning, day: object) -> None:
    answer = await dunning.choose(await dunning.case_of(1), day, dunning.as_customer("cus_1"))

    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]["field"] == "date"


async def test_another_customers_token_gets_404_for_their_case(dunning: Dunning) -> None:
    theirs, mine = await dunning.case_of(2), await dunning.case_of(1)
    me = dunning.as_customer("cus_1")
    my_link_session = dunning.as_customer("cus_1", recovery_case=mine)

    assert (await dunning.choose(theirs, "2026-03-20", me)).status_code == 404
    assert (await dunning.choose(theirs, "2026-03-20", my_link_session)).status_code == 404
    assert (await dunning.http.get(f"/v1/dunning/cases/{theirs}", headers=me)).status_code == 404
    other_case_session = dunning.as_customer("cus_1", recovery_case="dc_another")
    assert (await dunning.choose(mine, "2026-03-20", other_case_session)).status_code == 404


async def test_a_closed_case_gets_409(dunning: Dunning) -> None:
    case_id = await dunning.case_of(1)
    await dunning.feed(
        PaymentSucceeded(
            payment_id="pay_9", invoice_id="in_1", subscription_id="sub_1", customer_id="cus_1",
            amount=Money.of(1500, "EUR"), attempt_number=2, attempted_at=NOW + timedelta(minutes=5),
        )
    )  # fmt: skip

    answer = await dunning.choose(case_id, "2026-03-20", dunning.as_customer("cus_1"))

    assert answer.status_code == 409
    assert answer.json()["error"]["type"] == "case_closed"


async def test_the_date_changes_once_then_is_refused(dunning: Dunning) -> None:
    case_id, me = await dunning.case_of(1), dunning.as_customer("cus_1")
    assert (await dunning.choose(case_id, "2026-03-20", me)).status_code == 200
    assert (await dunning.choose(case_id, "2026-03-18", me)).json()["payment_date"] == "2026-03-18"

    third = await dunning.choose(case_id, "2026-03-19", me)

    assert third.status_code == 409
    assert third.json()["error"]["field"] == "date"


async def test_the_admin_key_may_choose_and_the_finance_key_only_reads(dunning: Dunning) -> None:
    case_id = await dunning.case_of(1)

    assert (await dunning.choose(case_id, "2026-03-20", FINANCE)).status_code == 403
    assert (await dunning.choose(case_id, "2026-03-20", ADMIN)).status_code == 200
    assert (await dunning.choose(case_id, "2026-03-20", {})).status_code == 401
    assert (
        await dunning.choose(case_id, "2026-03-20", {"Authorization": "Bearer rt_" + "x" * 43})
    ).status_code == 401
