"""The notifier writes each requested message once, as a readable email file."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from pathlib import Path

from dunning.adapters.mailer import FileMailer
from dunning.entrypoints.notifier import notifier_consumer
from shared.contracts import encode_event, new_event
from shared.contracts.notifications import NotificationRequested
from shared.messaging.consumer import SourceInfo
from shared.money import Money

NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


class NoDeadLetters:
    async def send(self, raw: bytes, source: SourceInfo, headers: dict[str, str]) -> None:
        raise AssertionError(f"unexpected dead letter: {headers}")


def reminder() -> bytes:
    note = NotificationRequested(
        notification_id="ntf_1",
        customer_id="cus_1",
        subscription_id="sub_1",
        to="ada@example.com",
        template_id="dunning.card_update.1",
        subject_line="Your card needs an update",
        body_text="Hi Ada, your card expired. You keep access while you update it.",
        action_url="http://127.0.0.1:8003/portal?token=abc",
        amount_due=Money.of(1500, "USD"),
        requested_at=NOW,
    )
    return encode_event(new_event(note, source="/dunning", time=NOW))


async def test_a_notification_becomes_one_eml_file_with_the_card_update_link(tmp_path: Path) -> None:
    consumer = notifier_consumer(FileMailer(tmp_path, "Billing <billing@example.com>"), NoDeadLetters())
    message = reminder()
    await consumer.process(message, SourceInfo("notifications", 0, 0, None))
    await consumer.process(message, SourceInfo("notifications", 0, 0, None))  # redelivered

    [path] = list(tmp_path.glob("*.eml"))
    assert path.name == "ntf_1.eml"
    mail = email.message_from_bytes(path.read_bytes())
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "Your card needs an update"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "You keep access" in body
    assert "http://127.0.0.1:8003/portal?token=abc" in body
