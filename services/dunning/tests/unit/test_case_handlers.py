"""Dunning's use cases on the in-memory unit of work: billing's facts in, cases out.

The same handlers the consumer runs, on the bus bootstrap builds, with memory
repositories that pass the SQL ones' contract: no database, milliseconds a test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dunning.adapters.memory import InMemoryDunningUnitOfWork
from dunning.service_layer.commands import LookAtDueCases, NextDueAt, RunDueCases
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import RecoveryLinks
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import EventData
from shared.contracts.billing import (
    CustomerCreated,
    PaymentFailed,
    PaymentMethodUpdated,
    PaymentSucceeded,
    SubscriptionCanceled,
)
from shared.contracts.commands import RetryPayment
from shared.contracts.dunning import CaseOutcome, DunningCaseClosed, DunningCaseOpened
from shared.contracts.notifications import NotificationRequested
from shared.money import Money
from shared.testing.memory import MemoryStore

FAILED_AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
PRICE = Money.of(1500, "USD")
IDS = {"subscription_id": "sub_1", "customer_id": "cus_1"}


class StaticSessions:
    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]:
        return f"session-of-{customer_id}-{case_id}", FAILED_AT + timedelta(hours=1)


LINKS = RecoveryLinks("http://portal.test/", StaticSessions())


class NoMail:
    async def send(self, note: NotificationRequested) -> None:
        raise AssertionError("nothing is mailed here")


class Dunning:
    def __init__(self) -> None:
        self.store, self.clock = MemoryStore(), TestClock(FAILED_AT)
        self.bus: MessageBus[DunningUnitOfWork] = dunning_bus(
            lambda: InMemoryDunningUnitOfWork(self.store, clock=self.clock, source="/dunning"),
            book=PolicyBook(),
            links=LINKS,
            mailer=NoMail(),
        )

    async def hears(self, *facts: EventData) -> None:
        """Each fact applied as the consumer applies it: in a unit of work it commits."""
        for fact in facts:
            handler = self.bus.event_handlers(fact.topic)[type(fact)]
            async with self.bus.unit_of_work() as work:
                await handler(new_event(fact, source="/billing", time=self.clock.now()), work)
                await work.commit()

    async def run_due(self) -> int:
        due = await self.bus.handle(LookAtDueCases())
        return await self.bus.handle(RunDueCases(due.now))

    def published(self, kind: type[EventData]) -> list[EventData]:
        return self.store.published(kind)


@pytest.fixture
async def dunning() -> Dunning:
    subject = Dunning()
    await subject.hears(
        CustomerCreated(
            customer_id="cus_1", email="a@example.com", name="A", timezone="UTC", created_at=FAILED_AT
        )
    )
    return subject


def failed(attempt: int = 1, card: str | None = "pm_old") -> PaymentFailed:
    return PaymentFailed(
        **IDS,
        payment_id=f"pay_{attempt}",
        invoice_id="in_1",
        amount=PRICE,
        attempt_number=attempt,
        attempted_at=FAILED_AT,
        decline_code="insufficient_funds",
        gateway_payment_method=card,
    )


def succeeded(attempt: int = 2) -> PaymentSucceeded:
    return PaymentSucceeded(
        **IDS, payment_id=f"pay_{attempt}", invoice_id="in_1", amount=PRICE, attempt_number=attempt,
        attempted_at=FAILED_AT,
    )  # fmt: skip


def new_card(gateway_id: str = "pm_new") -> PaymentMethodUpdated:
    return PaymentMethodUpdated(
        customer_id="cus_1", payment_method_id=f"id_{gateway_id}", brand="visa", last4="4242",
        exp_month=1, exp_year=2030, source="admin", gateway_payment_method=gateway_id,
    )  # fmt: skip


async def test_a_failed_payment_opens_one_case_however_often_its_invoice_fails(dunning: Dunning) -> None:
    await dunning.hears(failed(1), failed(2), failed(3))

    [opened] = dunning.published(DunningCaseOpened)
    assert (opened.invoice_id, opened.decline_class.value) == ("in_1", "insufficient_funds")  # type: ignore[attr-defined]
    assert await dunning.bus.handle(NextDueAt()) is not None


async def test_a_failure_of_an_invoice_already_paid_opens_no_case(dunning: Dunning) -> None:
    await dunning.hears(succeeded(2), failed(1))

    assert dunning.published(DunningCaseOpened) == []
    assert await dunning.bus.handle(NextDueAt()) is None


async def test_a_new_card_on_an_open_case_is_retried_at_once_and_the_failed_one_is_not(
    dunning: Dunning,
) -> None:
    await dunning.hears(failed(), new_card("pm_old"))
    assert dunning.published(RetryPayment) == []

    dunning.clock.move_to(dunning.clock.now() + timedelta(hours=1))
    await dunning.hears(new_card("pm_new"))

    [retry] = dunning.published(RetryPayment)
    assert (retry.invoice_id, retry.reason) == ("in_1", "card_updated")  # type: ignore[attr-defined]


async def test_a_closed_case_ignores_the_facts_that_come_after_it(dunning: Dunning) -> None:
    await dunning.hears(failed(), succeeded())
    [closed] = dunning.published(DunningCaseClosed)
    assert closed.outcome is CaseOutcome.RECOVERED  # type: ignore[attr-defined]

    dunning.clock.move_to(dunning.clock.now() + timedelta(days=2))
    await dunning.hears(
        new_card(),
        failed(3),
        SubscriptionCanceled(
            **IDS, canceled_at=dunning.clock.now(), reason="moving", requested_by="customer"
        ),
    )
    dunning.clock.move_to(dunning.clock.now() + timedelta(days=30))

    assert await dunning.run_due() == 0
    assert dunning.published(RetryPayment) == []
    assert dunning.published(NotificationRequested) == []
    assert dunning.published(DunningCaseClosed) == [closed]
    assert len(dunning.published(DunningCaseOpened)) == 1
