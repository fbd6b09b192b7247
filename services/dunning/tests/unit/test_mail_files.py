"""Every message, in every shipped language, becomes a valid MIME email with both parts.

The `.eml` files under `var/mail/` are what a newcomer reads under `make run`, and what
an SMTP server is sent: the plain text first, the HTML as its alternative.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from dunning.adapters.mailer import FileMailer
from shared.contracts.notifications import NotificationRequested
from shared.i18n.locales import SHIPPED_LANGUAGES
from shared.mail.writer import MESSAGE_NAMES, MessageWriter
from shared.testing.message_samples import FACTS, LINK

NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def note(name: str, locale: str) -> NotificationRequested:
    message = MessageWriter("Beach Club").write(
        name, locale, customer_name="Zoé", action_url=LINK, facts=FACTS[name]
    )
    return NotificationRequested(
        notification_id=f"ntf_{name}_{locale}",
        customer_id="cus_1",
        to="zoe@example.com",
        template_id=name,
        subject_line=message.subject,
        body_text=message.text,
        body_html=message.html,
        locale=locale,
        action_url=LINK,
        requested_at=NOW,
    )


async def test_every_eml_file_is_multipart_with_the_text_and_the_html(tmp_path: Path) -> None:
    mailer = FileMailer(tmp_path, "Beach Club <billing@example.com>")
    notes = {f"ntf_{n}_{lang}": note(n, lang) for n in MESSAGE_NAMES for lang in SHIPPED_LANGUAGES}
    for each in notes.values():
        await mailer.send(each)

    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == len(MESSAGE_NAMES) * len(SHIPPED_LANGUAGES)
    for path in files:
        sent = notes[path.stem]
        mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(mail, EmailMessage)
        assert mail.get_content_type() == "multipart/alternative", path.name
        assert not mail.defects, (path.name, mail.defects)
        assert mail["Subject"] == sent.subject_line
        assert mail["To"] == "zoe@example.com"
        parts = [part.get_content_type() for part in mail.iter_parts()]
        assert parts == ["text/plain", "text/html"], path.name
        text = mail.get_body(("plain",))
        html = mail.get_body(("html",))
        assert text is not None
        assert html is not None
        assert LINK in text.get_content()
        assert "Zoé" in text.get_content()
        assert f'href="{LINK.replace("&", "&amp;")}"' in html.get_content()


async def test_a_message_written_before_html_existed_stays_plain_text(tmp_path: Path) -> None:
    old = note("dunning.beach_offer", "en").model_copy(update={"body_html": None})
    await FileMailer(tmp_path, "billing@example.com").send(old)
    [path] = tmp_path.glob("*.eml")
    mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert mail.get_content_type() == "text/plain"
