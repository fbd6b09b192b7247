"""Writing a message from its templates, in the customer's language.

Every message is a pair of templates, `<name>.txt` and `<name>.html`, that extend one
shared layout (the brand, the one-click button, the footer). The text template also
holds the subject. HTML is autoescaped, so a customer's name can never become markup
in someone's mail client; the text is not, as it is not HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from shared.i18n import formatting
from shared.i18n.catalogues import translations
from shared.i18n.locales import catalogue_language, formatting_locale

DEFAULT_BRAND = "Your subscription"
MESSAGE_NAMES: tuple[str, ...] = (
    "dunning.card_update",
    "dunning.hard_decline.new_card",
    "dunning.beach_offer",
    "dunning.card_expiring",
    "pause.confirmed",
    "pause.extended",
    "pause.resumed",
    "pause.resume_reminder",
)
"""Every message there is; a test renders each in every shipped language."""


@dataclass(frozen=True)
class WrittenMessage:
    subject: str
    text: str
    html: str


@cache
def _environment(language: str) -> Environment:
    """One environment per language, so its gettext stays installed for good."""
    environment = Environment(
        loader=PackageLoader("shared.mail", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return environment


def _formatters(locale: str) -> dict[str, Callable[..., str]]:
    return {
        "money": partial(formatting.money, locale=locale),
        "day": partial(formatting.day, locale=locale),
        "month_and_year": partial(formatting.month_and_year, locale=locale),
    }


def _subject(template: Template, context: dict[str, Any]) -> str:
    block = template.blocks["subject"]
    return "".join(block(template.new_context(context))).strip()


class MessageWriter:
    """The brand is a setting (`BRAND_NAME`); everything else comes with each message."""

    def __init__(self, brand_name: str = DEFAULT_BRAND) -> None:
        self.brand_name = brand_name

    def write(
        self,
        name: str,
        locale: str | None,
        *,
        customer_name: str | None,
        action_url: str | None = None,
        facts: Mapping[str, object] | None = None,
    ) -> WrittenMessage:
        """`facts` are what the template speaks of: amounts (`Money`), dates, card names."""
        environment = _environment(catalogue_language(locale))
        tag = str(formatting_locale(locale)).replace("_", "-")
        context: dict[str, Any] = {
            **_formatters(tag),
            **(facts or {}),
            "brand": translations(locale).gettext(self.brand_name),  # the default one translates
            "name": customer_name,
            "action_url": action_url,
            "html_lang": catalogue_language(locale),
        }
        text_template = environment.get_template(f"{name}.txt")
        subject = _subject(text_template, context)
        context["subject"] = subject
        text = text_template.render(context)
        html = environment.get_template(f"{name}.html").render(context)
        return WrittenMessage(subject=subject, text=_tidy(text), html=html)


def _tidy(text: str) -> str:
    """Paragraphs separated by one blank line, whatever blank lines the tags left."""
    kept: list[str] = []
    for line in (line.rstrip() for line in text.strip().splitlines()):
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept) + "\n"
