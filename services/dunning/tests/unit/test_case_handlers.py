"""Dunning's use cases on the in-memory unit of work: billing's facts in, cases out.

The same handlers the consumer runs, on the bus bootstrap builds, with memory
repositories that pass the SQL ones' contract: no database, milliseconds a test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dunning.adapters.memory import InMemoryDunningUnitOfWork
from dunning.domain.case import DunningCase
from dunning.service_layer.commands import (
    CheckRetention,
    CountDueCases,
    LookAtDueCases,
    NextDueAt,
    RunDueCases,
)
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
    PaymentMethodExpiring,
    PaymentMethodUpdated,
    PaymentSucceeded,
    SubscriptionCanceled,
    SubscriptionPaused,
)
from shared.contracts.commands import RetryPayment
from shared.contracts.dunning import CaseOutcome, DunningCaseClosed, DunningCaseOpened, RecoveryMethod
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
    def __init__(self, book: PolicyBook | None = None) -> None:
        self.store, self.clock = MemoryStore(), TestClock(FAILED_AT)
        self.bus: MessageBus[DunningUnitOfWork] = dunning_bus(
            lambda: InMemoryDunningUnitOfWork(self.store, clock=self.clock, source="/dunning"),
            book=book or PolicyBook(),
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


async def dunning_with(book: PolicyBook) -> Dunning:
    subject = Dunning(book)
    await subject.hears(
        CustomerCreated(
            customer_id="cus_1", email="a@example.com", name="A", timezone="UTC", created_at=FAILED_AT
        )
    )
    return subject


@pytest.fixture
async def dunning() -> Dunning:
    return await dunning_with(PolicyBook())


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


async def stored_case(dunning: Dunning) -> DunningCase:
    async with dunning.bus.unit_of_work() as work:
        case = await work.cases.by_invoice("in_1")
    assert case is not None
    return case


async def test_thirty_days_after_a_recovery_the_customer_still_subscribed_counts_as_retained(
    dunning: Dunning,
) -> None:
    await dunning.hears(failed(), succeeded())
    closed_at = dunning.clock.now()
    assert await dunning.bus.handle(NextDueAt()) == closed_at + timedelta(days=30)

    dunning.clock.move_to(closed_at + timedelta(days=29, hours=23))
    assert await dunning.bus.handle(CheckRetention()) == 0
    dunning.clock.move_to(closed_at + timedelta(days=30))
    assert await dunning.bus.handle(CountDueCases()) == 1
    assert await dunning.bus.handle(CheckRetention()) == 1

    assert (await stored_case(dunning)).retained_30d is True
    assert await dunning.bus.handle(CheckRetention()) == 0  # checked once, never due again
    assert await dunning.bus.handle(NextDueAt()) is None


async def test_a_recovered_customer_who_cancels_within_thirty_days_was_not_retained(
    dunning: Dunning,
) -> None:
    await dunning.hears(failed(), succeeded())
    dunning.clock.move_to(dunning.clock.now() + timedelta(days=10))
    await dunning.hears(
        SubscriptionCanceled(**IDS, canceled_at=dunning.clock.now(), reason="moving", requested_by="customer")
    )
    dunning.clock.move_to(dunning.clock.now() + timedelta(days=20))

    assert await dunning.bus.handle(CheckRetention()) == 1
    assert (await stored_case(dunning)).retained_30d is False


async def test_a_customer_on_the_beach_thirty_days_after_the_dunning_pause_was_retained(
    dunning: Dunning,
) -> None:
    await dunning.hears(failed())
    await dunning.hears(
        SubscriptionPaused(**IDS, paused_at=dunning.clock.now(), resumes_at=FAILED_AT + timedelta(days=60))
    )
    dunning.clock.move_to(dunning.clock.now() + timedelta(days=30))

    assert await dunning.bus.handle(CheckRetention()) == 1
    case = await stored_case(dunning)
    assert (case.outcome, case.retained_30d) == (CaseOutcome.PAUSED, True)


async def test_a_recovery_is_published_with_its_method() -> None:
    dunning = await dunning_with(PolicyBook())
    await dunning.hears(failed(), new_card("pm_new"), succeeded())

    [closed] = dunning.published(DunningCaseClosed)
    assert closed.recovery_method is RecoveryMethod.CUSTOMER_CARD_UPDATE  # type: ignore[attr-defined]


async def test_the_holdout_retries_like_gentle_and_sends_no_message_at_all() -> None:
    gentle = await dunning_with(PolicyBook())
    holdout = await dunning_with(PolicyBook(weights={"holdout": 100}))
    for subject in (gentle, holdout):
        await subject.hears(failed())
        await subject.hears(
            PaymentMethodExpiring(
                customer_id="cus_1",
                payment_method_id="pm_1",
                brand="visa",
                last4="4242",
                exp_month=4,
                exp_year=2026,
                expires_on=FAILED_AT.date(),
            )
        )
        for _ in range(24 * 22):
            subject.clock.move_to(subject.clock.now() + timedelta(hours=1))
            await subject.run_due()

    def retries(subject: Dunning) -> list[str]:
        return [r.reason for r in subject.published(RetryPayment)]  # type: ignore[attr-defined]

    assert retries(holdout) == retries(gentle) != []
    assert len(gentle.published(NotificationRequested)) >= 2
    assert holdout.published(NotificationRequested) == []
    [closed] = holdout.published(DunningCaseClosed)
    assert (closed.outcome, closed.reminders_sent) == (CaseOutcome.PAUSED, 0)  # type: ignore[attr-defined]
