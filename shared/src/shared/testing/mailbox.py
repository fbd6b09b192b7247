"""Reading the mail the services wrote under `MAIL_DIR`, as a customer's mail client would."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path


def read_mail(path: Path) -> EmailMessage:
    """One `.eml` file, parsed with the modern policy so its parts can be asked for."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(path: Path) -> str:
    """The text part a reader without HTML sees (messages are multipart: text and HTML)."""
    body = read_mail(path).get_body(("plain",))
    assert body is not None, f"{path.name} has no text part"
    return str(body.get_content())
