"""Every message renders in every shipped language, as mail clients need it.

English is compared with golden files (`UPDATE_GOLDEN=1` rewrites them after a wording
change, to be reviewed in the diff); every language is parsed as HTML and checked for
what mail clients refuse: scripts, remote images, style sheets.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from shared.i18n.locales import SHIPPED_LANGUAGES
from shared.mail.writer import MESSAGE_NAMES, MessageWriter, WrittenMessage
from shared.money import Money
from shared.testing.message_samples import FACTS, LINK

GOLDEN = Path(__file__).parent / "golden_messages"
WRITER = MessageWriter("Beach Club")


def written(name: str, locale: str, customer_name: str | None = "Ada") -> WrittenMessage:
    return WRITER.write(name, locale, customer_name=customer_name, action_url=LINK, facts=FACTS[name])


class MailHtml(HTMLParser):
    """What a mail client sees: tags, their attributes and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "img"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1:] == [tag], f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> MailHtml:
    page = MailHtml()
    page.feed(html)
    page.close()
    assert page.open == [], f"unclosed tags: {page.open}"
    return page


@pytest.mark.parametrize("name", MESSAGE_NAMES)
def test_english_messages_read_as_their_golden_files(name: str) -> None:
    message = written(name, "en")
    for suffix, content in (
        ("subject", message.subject + "\n"),
        ("txt", message.text),
        ("html", message.html),
    ):
        golden = GOLDEN / f"{name}.{suffix}"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            golden.write_text(content, encoding="utf-8")
        assert content == golden.read_text(encoding="utf-8"), f"{golden.name} differs"


@pytest.mark.parametrize("locale", SHIPPED_LANGUAGES)
@pytest.mark.parametrize("name", MESSAGE_NAMES)
def test_every_message_is_well_formed_mail_html_with_its_subject_and_link(name: str, locale: str) -> None:
    message = written(name, locale)
    page = parsed(message.html)

    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "style", "link", "iframe", "form", "object"}
    assert all(not (attrs.get("src") or "").startswith(("http:", "https:", "//")) for _, attrs in page.tags)
    assert all(not any(a.startswith("on") for a in attrs) for _, attrs in page.tags)
    assert ("html", {"lang": locale}) in page.tags
    buttons = [attrs for tag, attrs in page.tags if tag == "a" and attrs.get("href") == LINK]
    assert buttons
    assert all(attrs.get("style") for attrs in buttons)
    visible = " ".join(" ".join(page.text).split())
    assert message.subject
    assert message.subject in visible
    assert "Beach Club" in visible
    assert "Ada" in visible
    assert LINK in message.text
    assert "Beach Club" in message.text
    assert "{{" not in message.text + message.html
    assert "%(" not in message.text + message.html


@pytest.mark.parametrize("locale", [lang for lang in SHIPPED_LANGUAGES if lang != "en"])
@pytest.mark.parametrize("name", MESSAGE_NAMES)
def test_every_message_is_translated_in_every_shipped_language(name: str, locale: str) -> None:
    english, translated = written(name, "en"), written(name, locale)
    assert translated.subject != english.subject
    assert translated.text.splitlines()[2] != english.text.splitlines()[2]  # the first paragraph


def test_a_french_reminder_writes_euros_the_french_way() -> None:
    message = written("dunning.card_update", "fr")
    assert "15,00\u00a0€" in message.text
    assert "15,00\u00a0€" in message.html
    assert message.subject == "Votre abonnement est toujours actif, il ne manque qu'une carte à jour"


def test_yen_have_no_decimals_in_any_language() -> None:
    texts = {lang: written("dunning.hard_decline.new_card", lang).text for lang in SHIPPED_LANGUAGES}
    assert "¥1,200" in texts["en"]
    assert "￥1,200" in texts["ja"]
    assert "1\u202f200\u00a0JPY" in texts["fr"]


def test_a_region_reads_its_language_and_an_unshipped_language_reads_english() -> None:
    swiss = WRITER.write(
        "dunning.beach_offer", "de-CH", customer_name="Ada", facts={"amount": Money.of(1500, "CHF")}
    )
    finnish = WRITER.write(
        "dunning.beach_offer", "fi", customer_name="Ada", facts={"amount": Money.of(1500, "EUR")}
    )
    assert swiss.subject == written("dunning.beach_offer", "de").subject
    assert "CHF\u00a015.00" in swiss.text
    assert finnish.subject == written("dunning.beach_offer", "en").subject
    assert "15,00\u00a0€" in finnish.text  # Finnish numbers, English words


def test_a_name_with_markup_stays_text_in_the_html_part() -> None:
    message = written("dunning.beach_offer", "en", customer_name='<img src="https://evil.example/x.png">')
    page = parsed(message.html)
    assert "img" not in {tag for tag, _ in page.tags}
    assert '<img src="https://evil.example/x.png">' in message.text  # plain text is not HTML


def test_a_message_without_a_name_greets_politely() -> None:
    assert "Bonjour," in written("dunning.beach_offer", "fr", customer_name=None).text
