"""Pause's use cases through its bus, on the in-memory unit of work: no database.

The facts billing and dunning publish go through the same event handlers the
consumers use, then each test asks the bus as a route or a scheduler tick would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pause.adapters.memory import InMemoryPauseUnitOfWork
from pause.domain.pause import PauseStatus
from pause.domain.policy import PausePolicies
from pause.service_layer.customer_messages import CustomerMail
from pause.service_layer.handlers import Bus, pause_bus
from pause.service_layer.messages import (
    ConfirmCancel,
    CountDuePauseMoments,
    ExtendPause,
    GetPauseOptions,
    GetPortalSummary,
    ListPauses,
    NextPauseMoment,
    PauseSubscription,
    Principal,
    RecordCancelIntent,
    ResumeEarly,
    RunDuePauseMoments,
)
from shared.bus import Command
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated, SubscriptionCreated
from shared.contracts.commands import CancelSubscription
from shared.contracts.dunning import CaseOutcome, DeclineClass, DunningCaseClosed, DunningCaseOpened
from shared.contracts.notifications import NotificationRequested
from shared.contracts.pause import PauseEnded, PauseScheduled, PauseStarted
from shared.errors import Conflict, DomainError, NotAllowed, NotFound
from shared.mail.writer import MessageWriter
from shared.money import Money
from shared.testing.memory import MemoryStore

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
PRICE = Money.of(1500, "USD")
ME = Principal("cus_1")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(NOW)


@pytest.fixture
async def bus(store: MemoryStore, clock: TestClock) -> Bus:
    bus = pause_bus(lambda: InMemoryPauseUnitOfWork(store, clock=clock, source="/pause"), PausePolicies())
    for n in (1, 2):
        await feed(bus, *subscriber(n))
    return bus


def subscriber(n: int) -> tuple[EventData, ...]:
    customer = f"cus_{n}"
    return (
        CustomerCreated(
            customer_id=customer, email=f"c{n}@example.com", name=f"C{n}", timezone="UTC", created_at=NOW
        ),
        SubscriptionCreated(
            subscription_id=f"sub_{n}",
            customer_id=customer,
            plan_code="pro",
            price=PRICE,
            interval="month",
            beach_fee=Money.of(100, "USD"),
            status="active",
            current_period_start=PERIOD_END - timedelta(days=31),
            current_period_end=PERIOD_END,
        ),
    )


async def feed(bus: Bus, *facts: EventData) -> None:
    """Apply facts as pause's consumers do: each in a unit of work that then commits."""
    for fact in facts:
        handler = bus.event_handlers(fact.topic)[type(fact)]
        async with bus.unit_of_work() as work:
            await handler(new_event(fact, source="/test", time=NOW), work)
            await work.commit()


def case_opened() -> DunningCaseOpened:
    return DunningCaseOpened(
        case_id="dc_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        invoice_id="in_1",
        amount_due=PRICE,
        decline_code="insufficient_funds",
        decline_class=DeclineClass.INSUFFICIENT_FUNDS,
        policy_version="gentle-v1",
        variant="gentle",
        opened_at=NOW,
    )


async def test_a_pause_is_scheduled_from_the_end_of_the_paid_period(bus: Bus, store: MemoryStore) -> None:
    options = await bus.handle(GetPauseOptions("sub_1", ME))
    pause = await bus.handle(PauseSubscription("sub_1", 2, ME))

    assert options.eligible
    assert (pause.status, pause.starts_at) == (PauseStatus.SCHEDULED, PERIOD_END)
    assert pause.resumes_at == next(d.resumes_at for d in options.durations if d.months == 2)
    assert [e.pause_id for e in store.published(PauseScheduled)] == [pause.id]


async def test_another_customer_cannot_see_or_pause_my_subscription(bus: Bus, store: MemoryStore) -> None:
    stranger = Principal("cus_2")
    with pytest.raises(NotFound):
        await bus.handle(GetPauseOptions("sub_1", stranger))
    with pytest.raises(NotFound):
        await bus.handle(PauseSubscription("sub_1", 1, stranger))
    assert store.published() == []


async def test_a_pause_is_refused_while_a_dunning_case_is_open(bus: Bus, store: MemoryStore) -> None:
    await feed(bus, case_opened())
    with pytest.raises(Conflict) as refused:
        await bus.handle(PauseSubscription("sub_1", 1, ME))
    assert refused.value.reason == "open_dunning_case"
    assert store.published() == []


async def test_a_pause_runs_its_course_with_a_reminder_a_week_before_it_ends(
    bus: Bus, store: MemoryStore, clock: TestClock
) -> None:
    pause = await bus.handle(PauseSubscription("sub_1", 1, ME))
    while (moment := await bus.handle(NextPauseMoment())) is not None:
        clock.move_to(moment)
        assert await bus.handle(CountDuePauseMoments()) == 1
        assert await bus.handle(RunDuePauseMoments()) == 1
    kinds = [type(e) for e in store.published()]
    assert kinds == [
        PauseScheduled,
        NotificationRequested,
        PauseStarted,
        NotificationRequested,
        PauseEnded,
        NotificationRequested,
    ]
    confirmed, reminder, welcome_back = store.published(NotificationRequested)
    assert (confirmed.template_id, reminder.template_id) == ("pause.confirmed", "pause.resume_reminder")
    assert welcome_back.template_id == "pause.resumed"
    assert reminder.to == "c1@example.com"
    assert reminder.requested_at == pause.resumes_at - timedelta(days=7)


async def test_an_early_resume_ends_the_pause_and_an_extension_stays_within_the_plan(bus: Bus) -> None:
    pause = await bus.handle(PauseSubscription("sub_1", 1, ME))
    extended = await bus.handle(ExtendPause(pause.id, 1, ME))
    assert extended.months == 2
    with pytest.raises(DomainError):
        await bus.handle(ExtendPause(pause.id, 12, ME))
    assert (await bus.handle(ResumeEarly(pause.id, ME))).status is not PauseStatus.SCHEDULED


async def test_cancelling_offers_a_pause_first_and_confirming_asks_billing_to_cancel(
    bus: Bus, store: MemoryStore
) -> None:
    intent, offer = await bus.handle(RecordCancelIntent("sub_1", "Too busy this spring", ME))
    assert offer.eligible
    confirmed = await bus.handle(ConfirmCancel(intent.id, ME))
    assert confirmed.outcome == "canceled"
    [command] = store.published(CancelSubscription)
    assert (command.subscription_id, command.reason) == ("sub_1", "Too busy this spring")


async def test_a_pause_taken_after_a_cancel_intent_resolves_it_as_kept(bus: Bus) -> None:
    intent, _ = await bus.handle(RecordCancelIntent("sub_1", "too dear", ME))
    await bus.handle(PauseSubscription("sub_1", 1, ME))
    with pytest.raises(DomainError):
        await bus.handle(ConfirmCancel(intent.id, ME))


async def test_the_admin_lists_a_named_customers_pauses_and_a_customer_only_their_own(bus: Bus) -> None:
    pause = await bus.handle(PauseSubscription("sub_1", 1, ME))
    admin = Principal(None)
    assert [p.id for p in await bus.handle(ListPauses("cus_1", admin))] == [pause.id]
    assert [p.id for p in await bus.handle(ListPauses(None, ME))] == [pause.id]
    with pytest.raises(DomainError, match="required"):
        await bus.handle(ListPauses(None, admin))
    with pytest.raises(NotFound):
        await bus.handle(ListPauses("cus_1", Principal("cus_2")))


async def test_dunning_closing_with_a_pause_puts_the_customer_on_the_beach_at_once(
    bus: Bus, store: MemoryStore
) -> None:
    closed = DunningCaseClosed(
        case_id="dc_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        invoice_id="in_1",
        outcome=CaseOutcome.PAUSED,
        closed_at=NOW,
        reminders_sent=3,
        retries=2,
        amount_due=PRICE,
    )
    await feed(bus, case_opened(), closed)
    [pause] = await bus.handle(ListPauses("cus_1", ME))
    assert (pause.source, pause.status) == ("dunning_offer", PauseStatus.ACTIVE)
    assert [e.pause_id for e in store.published(PauseStarted)] == [pause.id]


async def test_the_portal_summary_shows_only_the_sessions_customer(bus: Bus) -> None:
    pause = await bus.handle(PauseSubscription("sub_1", 1, ME))
    summary = await bus.handle(GetPortalSummary("cus_1"))
    assert [v.id for v in summary.subscriptions] == ["sub_1"]
    assert summary.live_pauses == {"sub_1": pause}
    assert summary.name == "C1"
    assert summary.extension_room["sub_1"] > 0


RECOVERY = Principal("cus_1", recovery_case="dc_1")


def beach_offer() -> EventData:
    from shared.contracts.dunning import DunningReminderSent

    return DunningReminderSent(
        case_id="dc_1", subscription_id="sub_1", customer_id="cus_1", invoice_id="in_1",
        reminder_number=4, template_id="dunning.beach_offer", sent_at=NOW, amount_due=PRICE,
    )  # fmt: skip


async def test_a_recovery_link_session_cannot_cancel_pause_resume_or_extend(bus: Bus) -> None:
    pause = await bus.handle(PauseSubscription("sub_1", 1, ME))
    refused: list[Command[Any]] = [
        PauseSubscription("sub_1", 1, RECOVERY),
        RecordCancelIntent("sub_1", "too expensive", RECOVERY),
        ResumeEarly(pause.id, RECOVERY),
        ExtendPause(pause.id, 1, RECOVERY),
    ]
    for command in refused:
        with pytest.raises(NotAllowed) as refusal:
            await bus.handle(command)
        assert "recovery link" in str(refusal.value)
    intent, _ = await bus.handle(RecordCancelIntent("sub_1", "too expensive", ME))
    with pytest.raises(NotAllowed):
        await bus.handle(ConfirmCancel(intent.id, RECOVERY))


async def test_a_recovery_link_session_may_take_the_beach_offer(bus: Bus) -> None:
    await feed(bus, case_opened(), beach_offer())

    pause = await bus.handle(PauseSubscription("sub_1", 1, RECOVERY))

    assert (pause.source, pause.status) == ("dunning_offer", PauseStatus.ACTIVE)


class PortalLinks:
    """Billing's portal sessions, as pause asks for them: a link, or "" when billing is down."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.asked: list[str] = []

    async def link_for(self, customer_id: str, *, tries: int = 3) -> str:
        self.asked.append(customer_id)
        return self.url


@pytest.mark.parametrize("link", ["http://pause.test/portal?token=t1", ""])
async def test_a_booked_break_is_confirmed_with_a_portal_button_when_billing_gives_a_link(
    store: MemoryStore, clock: TestClock, link: str
) -> None:
    links = PortalLinks(link)
    bus = pause_bus(
        lambda: InMemoryPauseUnitOfWork(store, clock=clock, source="/pause"),
        PausePolicies(),
        CustomerMail(MessageWriter("Plage"), links),
    )
    await feed(bus, *subscriber(1))

    await bus.handle(PauseSubscription("sub_1", 1, ME))

    [confirmed] = store.published(NotificationRequested)
    assert links.asked == ["cus_1"]
    assert confirmed.template_id == "pause.confirmed"
    assert confirmed.action_url == (link or None)
    assert confirmed.body_html is not None
    assert (f'href="{link}"' in confirmed.body_html) is bool(link)
    assert "Plage" in confirmed.body_text
