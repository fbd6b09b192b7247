"""Which card each retry goes to: the backup first after an expired or hard-declined
default, silently; the default, on the policy's plan, for every other decline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dunning.adapters.memory import InMemoryDunningUnitOfWork
from dunning.service_layer.commands import LookAtDueCases, RunDueCases
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import RecoveryLinks
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated, PaymentFailed, PaymentSucceeded
from shared.contracts.commands import RetryPayment
from shared.contracts.dunning import DunningCaseClosed
from shared.contracts.notifications import NotificationRequested
from shared.money import Money
from shared.testing.memory import MemoryStore

FAILED_AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
IDS = {
    "subscription_id": "sub_1",
    "customer_id": "cus_1",
    "invoice_id": "in_1",
    "amount": Money.of(1500, "USD"),
}


class NoSessions:
    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]:
        raise AssertionError("no link is opened here")


class NoMail:
    async def send(self, note: NotificationRequested) -> None:
        raise AssertionError("nothing is mailed here")


class Dunning:
    def __init__(self) -> None:
        self.store, self.clock = MemoryStore(), TestClock(FAILED_AT)
        self.bus: MessageBus[DunningUnitOfWork] = dunning_bus(
            lambda: InMemoryDunningUnitOfWork(self.store, clock=self.clock, source="/dunning"),
            book=PolicyBook(),
            links=RecoveryLinks("http://portal.test/portal", NoSessions()),
            mailer=NoMail(),
        )

    async def hears(self, *facts: EventData) -> None:
        for fact in facts:
            handler = self.bus.event_handlers(fact.topic)[type(fact)]
            async with self.bus.unit_of_work() as work:
                await handler(new_event(fact, source="/billing", time=self.clock.now()), work)
                await work.commit()

    async def run_for(self, days: float = 0, hours: float = 0) -> None:
        """The scheduler once an hour; billing's answer to a retry comes within that hour."""
        end = self.clock.now() + timedelta(days=days, hours=hours)
        while self.clock.now() < end:
            self.clock.move_to(self.clock.now() + timedelta(hours=1))
            due = await self.bus.handle(LookAtDueCases())
            await self.bus.handle(RunDueCases(due.now))


def failed(code: str, backup: str | None = "pm_backup") -> PaymentFailed:
    return PaymentFailed(
        **IDS, payment_id="pay_1", attempt_number=1, attempted_at=FAILED_AT, decline_code=code,
        gateway_payment_method="pm_card_default", backup_payment_method=backup,
    )  # fmt: skip


@pytest.fixture
async def dunning() -> Dunning:
    subject = Dunning()
    await subject.hears(
        CustomerCreated(
            customer_id="cus_1", email="a@example.com", name="A", timezone="UTC", created_at=FAILED_AT
        )
    )
    return subject


@pytest.mark.parametrize("code", ["expired_card", "lost_card", "stolen_card"])
async def test_the_first_retry_goes_to_the_backup_at_once_and_before_any_message(
    dunning: Dunning, code: str
) -> None:
    await dunning.hears(failed(code))
    await dunning.run_for(hours=1)

    [retry] = dunning.store.published(RetryPayment)
    assert (retry.reason, retry.payment_method_id) == ("backup_card", "pm_backup")
    assert retry.requested_at <= FAILED_AT + timedelta(hours=1)
    assert dunning.store.published(NotificationRequested) == []


async def test_a_backup_that_pays_closes_the_case_with_no_contact(dunning: Dunning) -> None:
    await dunning.hears(failed("lost_card"))
    await dunning.run_for(hours=1)
    await dunning.hears(
        PaymentSucceeded(**IDS, payment_id="pay_2", attempt_number=2, attempted_at=dunning.clock.now())
    )
    await dunning.run_for(10)

    [closed] = dunning.store.published(DunningCaseClosed)
    assert (closed.outcome.value, closed.reminders_sent) == ("recovered", 0)
    assert dunning.store.published(NotificationRequested) == []


async def test_after_the_backup_fails_a_hard_decline_gets_its_one_request_for_a_new_card(
    dunning: Dunning,
) -> None:
    await dunning.hears(failed("lost_card"))
    await dunning.run_for(3)

    [retry] = dunning.store.published(RetryPayment)
    [note] = dunning.store.published(NotificationRequested)
    assert retry.payment_method_id == "pm_backup"
    assert note.template_id == "dunning.hard_decline.new_card"
    assert note.requested_at >= retry.requested_at + timedelta(hours=1)


@pytest.mark.parametrize("code", ["insufficient_funds", "card_declined"])
async def test_other_declines_keep_the_default_card_and_the_plan(dunning: Dunning, code: str) -> None:
    await dunning.hears(failed(code))
    await dunning.run_for(6)

    retries = dunning.store.published(RetryPayment)
    assert retries
    assert all(r.payment_method_id is None and r.reason != "backup_card" for r in retries)


async def test_without_a_backup_an_expired_card_waits_quietly_as_before(dunning: Dunning) -> None:
    await dunning.hears(failed("expired_card", backup=None))
    await dunning.run_for(2)

    assert dunning.store.published(RetryPayment) == []


async def test_a_backup_added_after_the_decline_is_tried_at_once(dunning: Dunning) -> None:
    from shared.contracts.billing import PaymentMethodUpdated

    await dunning.hears(failed("expired_card", backup=None))
    await dunning.run_for(hours=5)
    assert dunning.store.published(RetryPayment) == []

    await dunning.hears(
        PaymentMethodUpdated(
            customer_id="cus_1", payment_method_id="pm_later", brand="visa", last4="4242", exp_month=1,
            exp_year=2030, source="customer", gateway_payment_method="pm_card_visa", is_default=False,
        )
    )  # fmt: skip

    [retry] = dunning.store.published(RetryPayment)
    assert (retry.reason, retry.payment_method_id) == ("backup_card", "pm_later")


async def test_a_backup_added_beside_a_short_balance_changes_nothing(dunning: Dunning) -> None:
    from shared.contracts.billing import PaymentMethodUpdated

    await dunning.hears(failed("insufficient_funds", backup=None))
    await dunning.hears(
        PaymentMethodUpdated(
            customer_id="cus_1", payment_method_id="pm_later", brand="visa", last4="4242", exp_month=1,
            exp_year=2030, source="customer", gateway_payment_method="pm_card_visa", is_default=False,
        )
    )  # fmt: skip

    assert dunning.store.published(RetryPayment) == []
