"""Dunning on a real database: cases from billing's facts, the schedule, the finance API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from dunning.adapters.case_counts import measure_cases
from dunning.adapters.orm import messaging
from dunning.bootstrap import bootstrap
from dunning.entrypoints.scheduler import DunningScheduler
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.recovery import RecoveryLinks
from dunning.settings import DunningSettings
from shared.clock import TestClock
from shared.contracts import encode_event, new_event
from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated, PaymentFailed, PaymentMethodUpdated, PaymentSucceeded
from shared.contracts.notifications import NotificationRequested
from shared.db.migrations import upgrade
from shared.messaging.consumer import SourceInfo
from shared.money import Money
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

FAILED_AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
FINANCE = {"Authorization": "Bearer dev-finance-key"}


class StaticSessions:
    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]:
        return f"session-of-{customer_id}-{case_id}", FAILED_AT + timedelta(hours=1)


LINKS = RecoveryLinks("http://portal.test/", StaticSessions())


class NoMail:
    async def send(self, note: NotificationRequested) -> None:
        raise AssertionError("nothing is mailed in these tests")


class Dunning:
    def __init__(self, service: Service[Any, Any], clock: TestClock) -> None:
        self.service, self.clock = service, clock
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://d")
        self.offset = 0
        book = service.settings.policy_book()
        bus = dunning_bus(service.unit_of_work, book=book, links=LINKS, mailer=NoMail())
        self.scheduler = DunningScheduler(bus)

    async def feed(self, *facts: EventData) -> list[str]:
        outcomes = []
        for fact in facts:
            self.offset += 1
            raw = encode_event(new_event(fact, source="/billing", time=self.clock.now()))
            outcomes.append(
                await self.service.consumers[0].process(
                    raw, SourceInfo("billing.events", 0, self.offset, None)
                )
            )
        return outcomes

    def failure(self, n: int, code: str, at: datetime = FAILED_AT) -> PaymentFailed:
        return PaymentFailed(
            payment_id=f"pay_{n}_{code}",
            invoice_id=f"in_{n}",
            subscription_id=f"sub_{n}",
            customer_id=f"cus_{n}",
            amount=Money.of(1500, "USD"),
            attempt_number=1,
            attempted_at=at,
            decline_code=code,
        )

    async def customer(self, n: int, timezone: str = "Europe/Paris") -> None:
        await self.feed(
            CustomerCreated(
                customer_id=f"cus_{n}",
                email=f"c{n}@example.com",
                name=f"C{n}",
                timezone=timezone,
                created_at=FAILED_AT,
            )
        )

    async def run_until(self, end: datetime, step: timedelta = timedelta(hours=6)) -> None:
        """Like the test clock: steps of at most `step`, stopping at every due moment."""
        while self.clock.now() < end:
            due = await self.scheduler.next_due_at()
            target = min(end, self.clock.now() + step)
            if due is not None and self.clock.now() < due < target:
                target = due
            self.clock.move_to(target)
            await self.scheduler.run_once()

    async def outbox(self) -> list[dict[str, Any]]:
        async with self.service.engine.connect() as conn:
            rows = await conn.execute(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id))
            return [json.loads(r.payload) for r in rows]


@pytest.fixture
async def dunning(databases: DatabaseFactory) -> AsyncIterator[Dunning]:
    clock = TestClock(FAILED_AT)
    settings = settings_for(DunningSettings, DUNNING_DATABASE_URL=await databases.new("dunning"))
    service = bootstrap(settings, clock=clock)
    await upgrade(service.engine, "dunning")
    subject = Dunning(service, clock)
    yield subject
    await subject.http.aclose()
    await service.engine.dispose()


async def test_a_duplicated_payment_failed_opens_one_case(dunning: Dunning) -> None:
    await dunning.customer(1)
    failure = new_event(dunning.failure(1, "insufficient_funds"), source="/billing", time=FAILED_AT)
    raw = encode_event(failure)
    consumer = dunning.service.consumers[0]
    assert await consumer.process(raw, SourceInfo("billing.events", 0, 10, None)) == "processed"
    assert await consumer.process(raw, SourceInfo("billing.events", 0, 10, None)) == "duplicate"
    await dunning.feed(dunning.failure(1, "insufficient_funds"))  # the same invoice failing again
    cases = (await dunning.http.get("/v1/dunning/cases", headers=FINANCE)).json()["data"]
    assert len(cases) == 1
    assert cases[0]["decline_class"] == "insufficient_funds"


async def test_an_expired_card_replaced_two_days_later_is_recovered_without_a_single_reminder(
    dunning: Dunning,
) -> None:
    await dunning.customer(1)
    await dunning.feed(dunning.failure(1, "expired_card"))
    await dunning.run_until(FAILED_AT + timedelta(days=2))
    await dunning.feed(
        PaymentMethodUpdated(
            customer_id="cus_1", payment_method_id="pm_new", brand="visa", last4="4242", exp_month=1,
            exp_year=2030, source="card_updater",
        )
    )  # fmt: skip
    retries = [e for e in await dunning.outbox() if e["type"] == "payment.retry"]
    assert [r["data"]["reason"] for r in retries] == ["card_updated"]
    await dunning.feed(
        PaymentSucceeded(
            payment_id="pay_2", invoice_id="in_1", subscription_id="sub_1", customer_id="cus_1",
            amount=Money.of(1500, "USD"), attempt_number=2, attempted_at=dunning.clock.now(),
        )
    )  # fmt: skip
    await dunning.run_until(FAILED_AT + timedelta(days=30), step=timedelta(hours=6))
    kinds = [e["type"] for e in await dunning.outbox()]
    assert "notification.requested" not in kinds
    closed = next(e for e in await dunning.outbox() if e["type"] == "dunning.case_closed")
    assert closed["data"]["outcome"] == "recovered"
    assert closed["data"]["reminders_sent"] == 0

    report = (await dunning.http.get("/v1/dunning/report?group_by=reason", headers=FINANCE)).json()
    assert report["total"]["recovered"] == 1
    assert report["total"]["recovered_without_reminders"] == 1
    assert report["total"]["recovered_amount"] == [{"amount": 1500, "currency": "USD"}]


async def test_the_announcement_of_the_card_that_failed_arriving_late_triggers_no_retry_but_a_new_card_does(
    dunning: Dunning,
) -> None:
    """Card and payment events travel on different keys, so the old card's news can come second."""
    await dunning.customer(1)
    failure = dunning.failure(1, "expired_card").model_copy(update={"gateway_payment_method": "pm_old"})
    await dunning.feed(failure)

    def card(gateway_id: str) -> PaymentMethodUpdated:
        return PaymentMethodUpdated(
            customer_id="cus_1", payment_method_id=f"id_{gateway_id}", brand="visa", last4="0069",
            exp_month=1, exp_year=2024, source="admin", gateway_payment_method=gateway_id,
        )  # fmt: skip

    await dunning.feed(card("pm_old"))
    stale = [e for e in await dunning.outbox() if e["type"] == "payment.retry"]
    await dunning.feed(card("pm_new"))
    fresh = [e for e in await dunning.outbox() if e["type"] == "payment.retry"]

    assert stale == []
    assert [r["data"]["reason"] for r in fresh] == ["card_updated"]


async def test_an_expired_card_never_replaced_gets_the_policys_reminders_by_day_then_the_offer_and_the_end(
    dunning: Dunning,
) -> None:
    await dunning.customer(1, timezone="America/New_York")
    await dunning.feed(dunning.failure(1, "expired_card"))
    await dunning.run_until(FAILED_AT + timedelta(days=23))
    notes = [e for e in await dunning.outbox() if e["type"] == "notification.requested"]
    templates = [n["data"]["template_id"] for n in notes]
    assert templates == [
        "dunning.card_update.1",
        "dunning.card_update.2",
        "dunning.card_update.3",
        "dunning.beach_offer",
    ]
    times = [datetime.fromisoformat(n["data"]["requested_at"]) for n in notes]
    assert all(b - a >= timedelta(hours=72) for a, b in pairwise(times))
    assert times[0] - FAILED_AT >= timedelta(days=3)
    for moment in times:
        local = moment.astimezone(ZoneInfo("America/New_York"))
        assert 8 <= local.hour < 21, local
    assert all("http://portal.test/?token=rt_" in n["data"]["body_text"] for n in notes)
    closed = next(e for e in await dunning.outbox() if e["type"] == "dunning.case_closed")
    assert closed["data"]["outcome"] == "paused"
    assert [e["type"] for e in await dunning.outbox() if e["type"] == "payment.retry"] == []
    case = (await dunning.http.get(f"/v1/dunning/cases/{closed['data']['case_id']}", headers=FINANCE)).json()
    kinds = [entry["kind"] for entry in case["timeline"]]
    assert kinds == ["opened", "reminder", "reminder", "reminder", "beach_offer", "closed"]


async def test_a_hard_decline_is_never_retried(dunning: Dunning) -> None:
    await dunning.customer(1)
    await dunning.feed(dunning.failure(1, "stolen_card"))
    await dunning.run_until(FAILED_AT + timedelta(days=25), step=timedelta(hours=3))
    kinds = [e["type"] for e in await dunning.outbox()]
    assert "payment.retry" not in kinds
    notes = [e for e in await dunning.outbox() if e["type"] == "notification.requested"]
    assert notes[0]["data"]["template_id"] == "dunning.hard_decline.new_card"


async def test_insufficient_funds_is_retried_on_the_fifteenth_when_that_comes_before_three_days(
    dunning: Dunning,
) -> None:
    await dunning.customer(1, timezone="UTC")
    failed = datetime(2026, 3, 13, 10, 0, tzinfo=UTC)
    dunning.clock.move_to(failed)
    await dunning.feed(dunning.failure(1, "insufficient_funds", at=failed))
    await dunning.run_until(failed + timedelta(days=3))
    retries = [e for e in await dunning.outbox() if e["type"] == "payment.retry"]
    assert retries, "no retry within three days"
    first = datetime.fromisoformat(retries[0]["data"]["requested_at"])
    assert (first.day, first.hour, first.minute) == (15, 0, 1)


async def test_the_finance_api_needs_the_finance_key(dunning: Dunning) -> None:
    assert (await dunning.http.get("/v1/dunning/report")).status_code == 401
    admin = {"Authorization": "Bearer dev-admin-key"}
    assert (await dunning.http.get("/v1/dunning/report", headers=admin)).status_code == 403


async def test_the_csv_report_matches_the_json_report(dunning: Dunning) -> None:
    for n, code in enumerate(["expired_card", "insufficient_funds", "insufficient_funds"]):
        await dunning.customer(n)
        await dunning.feed(dunning.failure(n, code))
    report = (await dunning.http.get("/v1/dunning/report?group_by=reason", headers=FINANCE)).json()
    csv_text = (await dunning.http.get("/v1/dunning/report.csv?group_by=reason", headers=FINANCE)).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("group,cases,recovered")
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert rows["insufficient_funds"][1] == "2"
    assert rows["total"][1] == str(report["total"]["cases"]) == "3"
    assert rows["total"][5] == "45.00 USD"


async def test_a_card_about_to_expire_gets_one_friendly_heads_up_with_a_link(dunning: Dunning) -> None:
    from shared.contracts.billing import PaymentMethodExpiring

    await dunning.customer(1)
    heads_up = PaymentMethodExpiring(
        customer_id="cus_1", payment_method_id="pm_1", brand="visa", last4="4242", exp_month=4,
        exp_year=2026, expires_on=datetime(2026, 4, 30, tzinfo=UTC).date(),
    )  # fmt: skip
    raw = encode_event(new_event(heads_up, source="/billing", time=FAILED_AT))
    consumer = dunning.service.consumers[0]
    for _ in range(2):  # redelivered
        await consumer.process(raw, SourceInfo("billing.events", 0, 99, None))
    [note] = [e for e in await dunning.outbox() if e["type"] == "notification.requested"]
    assert note["data"]["template_id"] == "dunning.card_expiring"
    assert "April 2026" in note["data"]["body_text"]
    assert note["data"]["action_url"].startswith("http")


async def test_the_cases_gauge_counts_open_cases_and_closed_ones_by_outcome(dunning: Dunning) -> None:
    for n in (1, 2, 3):
        await dunning.customer(n)
        await dunning.feed(dunning.failure(n, "insufficient_funds"))
    await dunning.feed(
        PaymentSucceeded(
            payment_id="pay_2", invoice_id="in_2", subscription_id="sub_2", customer_id="cus_2",
            amount=Money.of(1500, "USD"), attempt_number=2, attempted_at=dunning.clock.now(),
        )
    )  # fmt: skip

    await measure_cases(dunning.service.engine)

    states = ["open", "recovered", "paused", "canceled", "written_off"]
    gauge = [REGISTRY.get_sample_value("dunning_cases", {"state": state}) for state in states]
    assert gauge == [2, 1, 0, 0, 0]
