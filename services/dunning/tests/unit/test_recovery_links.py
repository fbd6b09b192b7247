"""Recovery links: a message's link opens a scoped session for its case's whole life,
says "all settled" for a week after the close, and is only ever stored as a hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from dunning.adapters.memory import InMemoryDunningUnitOfWork
from dunning.domain.recovery_link import LinkStanding, RecoveryToken, hash_of
from dunning.service_layer.commands import LookAtDueCases, RunDueCases
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import OpenRecoveryLink, RecoveryLinks
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.clock import TestClock
from shared.contracts import new_event
from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated, PaymentFailed, PaymentSucceeded
from shared.contracts.notifications import NotificationRequested
from shared.money import Money
from shared.testing.memory import MemoryStore

FAILED_AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
PRICE = Money.of(1500, "USD")
IDS = {"subscription_id": "sub_1", "customer_id": "cus_1", "invoice_id": "in_1", "amount": PRICE}


class BillingSessions:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]:
        self.asked.append((customer_id, case_id))
        return f"session-{len(self.asked)}", FAILED_AT + timedelta(hours=1)


class NoMail:
    async def send(self, note: NotificationRequested) -> None:
        raise AssertionError("nothing is mailed here")


class Dunning:
    def __init__(self) -> None:
        self.store, self.clock, self.sessions = MemoryStore(), TestClock(FAILED_AT), BillingSessions()
        self.bus: MessageBus[DunningUnitOfWork] = dunning_bus(
            lambda: InMemoryDunningUnitOfWork(self.store, clock=self.clock, source="/dunning"),
            book=PolicyBook(),
            links=RecoveryLinks("http://portal.test/portal", self.sessions),
            mailer=NoMail(),
        )

    async def hears(self, *facts: EventData) -> None:
        for fact in facts:
            handler = self.bus.event_handlers(fact.topic)[type(fact)]
            async with self.bus.unit_of_work() as work:
                await handler(new_event(fact, source="/billing", time=self.clock.now()), work)
                await work.commit()

    async def run_due(self) -> None:
        due = await self.bus.handle(LookAtDueCases())
        await self.bus.handle(RunDueCases(due.now))

    def later(self, **delta: float) -> None:
        self.clock.move_to(self.clock.now() + timedelta(**delta))

    async def opened(self, token: str) -> LinkStanding:
        return (await self.bus.handle(OpenRecoveryLink(token))).standing


def token_in(note: NotificationRequested) -> str:
    [token] = parse_qs(urlsplit(note.action_url or "").query)["token"]
    return token


@pytest.fixture
async def lost_card_request() -> tuple[Dunning, str]:
    """A lost card: one request for a new card, at once, with its recovery link."""
    dunning = Dunning()
    await dunning.hears(
        CustomerCreated(
            customer_id="cus_1", email="a@example.com", name="A", timezone="UTC", created_at=FAILED_AT
        ),
        PaymentFailed(
            **IDS, payment_id="pay_1", attempt_number=1, attempted_at=FAILED_AT, decline_code="lost_card"
        ),
    )  # fmt: skip
    await dunning.run_due()
    [note] = dunning.store.published(NotificationRequested)
    assert isinstance(note, NotificationRequested)
    assert note.action_url is not None
    assert note.action_url.startswith("http://portal.test/portal?token=rt_")
    assert note.action_url in note.body_text
    return dunning, token_in(note)


async def test_a_link_opened_five_days_after_its_message_opens_a_session_for_its_case(
    lost_card_request: tuple[Dunning, str],
) -> None:
    dunning, token = lost_card_request
    dunning.later(days=5)

    found = await dunning.bus.handle(OpenRecoveryLink(token))

    assert found.standing is LinkStanding.OPEN
    assert found.session_token == "session-1"
    [(customer_id, case_id)] = dunning.sessions.asked
    assert customer_id == "cus_1"
    assert case_id.startswith("dc_")
    assert found.case_id == case_id


async def test_only_the_hash_of_the_token_is_kept(lost_card_request: tuple[Dunning, str]) -> None:
    dunning, token = lost_card_request
    stored = list(dunning.store.tables["recovery_tokens"].values())

    assert [row.token_hash for row in stored] == [hash_of(token)]
    assert token not in repr(stored)


async def test_after_the_case_closes_the_link_says_all_is_settled_for_a_week_then_expires(
    lost_card_request: tuple[Dunning, str],
) -> None:
    dunning, token = lost_card_request
    dunning.later(days=2)
    await dunning.hears(
        PaymentSucceeded(**IDS, payment_id="pay_2", attempt_number=2, attempted_at=dunning.clock.now())
    )

    dunning.later(days=6, hours=23)
    assert await dunning.opened(token) is LinkStanding.SETTLED
    dunning.later(hours=2)
    assert await dunning.opened(token) is LinkStanding.EXPIRED
    assert dunning.sessions.asked == [], "no session is made for a settled or expired link"


@pytest.mark.parametrize("token", ["rt_" + "x" * 43, "not-a-token", "", "rt_"])
async def test_an_unknown_token_is_expired(lost_card_request: tuple[Dunning, str], token: str) -> None:
    dunning, _ = lost_card_request
    assert await dunning.opened(token) is LinkStanding.EXPIRED


def test_a_heads_up_link_has_no_case_and_lasts_thirty_days() -> None:
    _, stored = RecoveryToken.issue("cus_1", None, FAILED_AT)

    assert (
        stored.standing(FAILED_AT + timedelta(days=29, hours=23), None, case_known=False) is LinkStanding.OPEN
    )
    assert stored.standing(FAILED_AT + timedelta(days=30), None, case_known=False) is LinkStanding.EXPIRED


def test_a_revoked_token_or_one_whose_case_is_gone_is_expired() -> None:
    _, stored = RecoveryToken.issue("cus_1", "dc_1", FAILED_AT)
    revoked = RecoveryToken(stored.token_hash, "cus_1", "dc_1", FAILED_AT, revoked_at=FAILED_AT)

    assert stored.standing(FAILED_AT, None, case_known=True) is LinkStanding.OPEN
    assert stored.standing(FAILED_AT, None, case_known=False) is LinkStanding.EXPIRED
    assert revoked.standing(FAILED_AT, None, case_known=True) is LinkStanding.EXPIRED


def test_two_tokens_for_the_same_case_differ() -> None:
    first, _ = RecoveryToken.issue("cus_1", "dc_1", FAILED_AT)
    second, _ = RecoveryToken.issue("cus_1", "dc_1", FAILED_AT)

    assert first != second
    assert len(first) > 40
