"""The notifier sends each requested message once: as a readable email file, or by SMTP."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from dunning.adapters.mailer import FileMailer, Mailer, MailServerUnavailable
from dunning.bootstrap import bootstrap
from dunning.entrypoints.notifier import notifier_consumer
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import RecoveryLinks
from dunning.settings import DunningSettings
from shared.backoff import Backoff
from shared.contracts import encode_event, new_event
from shared.contracts.notifications import NotificationRequested
from shared.db.migrations import upgrade
from shared.messaging.consumer import EventConsumer, SourceInfo
from shared.money import Money
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.mailbox import plain_text
from shared.testing.services import settings_for

NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


class NoDeadLetters:
    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        raise AssertionError(f"unexpected dead letter: {headers}")


class NoSessions:
    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]:
        raise AssertionError("the notifier opens no recovery links")


def reminder(template_id: str = "dunning.card_update.1", notification_id: str = "ntf_1") -> bytes:
    note = NotificationRequested(
        notification_id=notification_id,
        customer_id="cus_1",
        subscription_id="sub_1",
        to="ada@example.com",
        template_id=template_id,
        subject_line="Your card needs an update",
        body_text="Hi Ada, your card expired. You keep access while you update it.",
        action_url="http://127.0.0.1:8003/portal?token=abc",
        amount_due=Money.of(1500, "USD"),
        requested_at=NOW,
    )
    return encode_event(new_event(note, source="/dunning", time=NOW))


class CountingMailer:
    """A mail server that counts what it was sent, and can be down for a while."""

    def __init__(self, down_for: int = 0) -> None:
        self.sent: list[str] = []
        self.down_for = down_for

    async def send(self, note: NotificationRequested) -> None:
        if self.down_for:
            self.down_for -= 1
            raise MailServerUnavailable("connection refused")
        self.sent.append(note.notification_id)


@pytest.fixture
async def dunning(databases: DatabaseFactory) -> AsyncIterator[Service[Any, Any]]:
    service = bootstrap(settings_for(DunningSettings, DUNNING_DATABASE_URL=await databases.new("notifier")))
    await upgrade(service.engine, "dunning")
    yield service
    await service.engine.dispose()


def notifier(dunning: Service[Any, Any], mailer: Mailer) -> EventConsumer:
    bus = dunning_bus(
        dunning.unit_of_work,
        book=PolicyBook(),
        links=RecoveryLinks("http://portal.test/", NoSessions()),
        mailer=mailer,
    )
    consumer = notifier_consumer(bus, NoDeadLetters())
    consumer.backoff = Backoff(first=0.001, most=0.002)
    return consumer


async def test_a_redelivered_notification_is_not_sent_again(dunning: Service[Any, Any]) -> None:
    mailer = CountingMailer()
    first_process, after_a_restart = notifier(dunning, mailer), notifier(dunning, mailer)

    await first_process.process(reminder(), SourceInfo("notifications", 0, 0, None))
    await after_a_restart.process(reminder(), SourceInfo("notifications", 0, 0, None))

    assert mailer.sent == ["ntf_1"]


async def test_a_mail_server_that_is_down_gets_the_message_once_it_is_back(
    dunning: Service[Any, Any],
) -> None:
    mailer = CountingMailer(down_for=2)
    consumer = notifier(dunning, mailer)
    message = reminder()

    for _ in range(2):
        with pytest.raises(MailServerUnavailable):
            await consumer.process(message, SourceInfo("notifications", 0, 0, None))
    assert await consumer.process(message, SourceInfo("notifications", 0, 0, None)) == "processed"
    await consumer.process(message, SourceInfo("notifications", 0, 0, None))

    assert mailer.sent == ["ntf_1"]


async def test_a_notification_becomes_one_eml_file_with_the_card_update_link(
    tmp_path: Path, dunning: Service[Any, Any]
) -> None:
    consumer = notifier(dunning, FileMailer(tmp_path, "Billing <billing@example.com>"))
    message = reminder()
    await consumer.process(message, SourceInfo("notifications", 0, 0, None))
    await consumer.process(message, SourceInfo("notifications", 0, 0, None))  # redelivered

    [path] = list(tmp_path.glob("*.eml"))
    assert path.name == "ntf_1.eml"
    mail = email.message_from_bytes(path.read_bytes())
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "Your card needs an update"
    body = plain_text(path)
    assert "You keep access" in body
    assert "http://127.0.0.1:8003/portal?token=abc" in body


def sent(template: str) -> float:
    return REGISTRY.get_sample_value("notifications_sent_total", {"template": template}) or 0.0


async def test_messages_sent_are_counted_by_template_and_an_unknown_template_as_unknown(
    dunning: Service[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    mailer = CountingMailer(down_for=1)
    consumer = notifier(dunning, mailer)
    templates = ["dunning.card_update.1", "pause.resume_reminder", "unknown"]
    before = [sent(t) for t in templates]
    messages = [reminder("pause.resume_reminder", "ntf_p"), reminder("dunning.card_update.1", "ntf_d")]
    messages += [reminder(f"campaign.spring_{n}", f"ntf_c{n}") for n in range(3)]

    with pytest.raises(MailServerUnavailable):  # not sent, so not counted
        await consumer.process(messages[0], SourceInfo("notifications", 0, 0, None))
    for offset, message in enumerate(messages):
        await consumer.process(message, SourceInfo("notifications", 0, offset, None))
    await consumer.process(messages[1], SourceInfo("notifications", 0, 1, None))  # redelivered: not sent

    assert [sent(t) - b for t, b in zip(templates, before, strict=True)] == [1, 1, 3]
    assert REGISTRY.get_sample_value("notifications_sent_total", {"template": "campaign.spring_0"}) is None
    assert sum("campaign.spring_0" in str(r.__dict__.get("value")) for r in caplog.records) == 1
