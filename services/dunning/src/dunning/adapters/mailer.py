"""Delivering `notification.requested` messages: real SMTP, or `.eml` files locally.

Under `make run` there is no mail server, so each message is written to
`./var/mail/<notification_id>.eml`, where a newcomer can read the real reminder text.
Naming the file after the notification id makes a redelivered message harmless.
A message written as HTML too goes out as `multipart/alternative`, the plain text
first, so every client shows the richest part it can and the `.eml` keeps both.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

import aiosmtplib

from shared.contracts.notifications import NotificationRequested

MAIL_POLICY = policy.default.clone(max_line_length=998)
"""RFC 5322's own line limit: at the usual 78, Python folds a long subject onto a
continuation line and a reader sees it start with a space."""


def compose(note: NotificationRequested, sender: str) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = note.to
    message["Subject"] = note.subject_line
    message["Date"] = format_datetime(note.requested_at)
    message["Message-ID"] = make_msgid(idstring=note.notification_id, domain="billing.local")
    message["X-Notification-Id"] = note.notification_id
    message["X-Template-Id"] = note.template_id
    body = note.body_text
    if note.action_url and note.action_url not in body:
        body = f"{body}\n\n{note.action_url}\n"
    message.set_content(body)
    if note.body_html:
        message.add_alternative(note.body_html, subtype="html")
    return message


class MailServerUnavailable(ConnectionError):
    """The mail server could not be reached: the message was not sent, try again later."""


class Mailer(Protocol):
    async def send(self, note: NotificationRequested) -> None: ...


class FileMailer:
    def __init__(self, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    async def send(self, note: NotificationRequested) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{note.notification_id}.eml"
        if not path.exists():
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(bytes(compose(note, self.sender)))
            temporary.replace(path)


class SmtpMailer:
    """`smtp://user:password@host:port` or `smtps://…` for implicit TLS."""

    def __init__(self, url: str, sender: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
            raise ValueError("expected smtp://[user:password@]host[:port]")
        self.host, self.port = parsed.hostname, parsed.port or (465 if parsed.scheme == "smtps" else 25)
        self.tls = parsed.scheme == "smtps"
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None
        self.sender = sender

    async def send(self, note: NotificationRequested) -> None:
        try:
            await aiosmtplib.send(
                compose(note, self.sender),
                hostname=self.host,
                port=self.port,
                use_tls=self.tls,
                username=self.username,
                password=self.password,
                timeout=30,
            )
        except (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            OSError,
        ) as exc:
            raise MailServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
