"""Which language a customer reads, from the BCP 47 tag billing keeps for them.

Billing stores what the customer asked for (`de-CH`), so numbers and dates follow the
region. Words come from the nearest shipped catalogue (`de`), and anything without one
reads English rather than failing.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

DEFAULT_LOCALE = "en"
SHIPPED_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "ja")
"""The languages with a catalogue under `shared/i18n/catalogues/`."""


class InvalidLocale(ValueError):
    """Not a BCP 47 tag that CLDR knows."""


@cache
def parse_locale(tag: str) -> Locale:
    """Babel's locale for a BCP 47 tag (`fr`, `de-CH`, `zh-Hant-TW`)."""
    if not tag or len(tag) > 35 or not tag.replace("-", "").replace("_", "").isalnum():
        raise InvalidLocale(f"not a BCP 47 language tag: {tag!r}")
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError):
        raise InvalidLocale(f"unknown language tag {tag!r} (BCP 47, such as en, fr, de-CH)") from None


def normalise_locale(tag: str) -> str:
    """The tag in its canonical spelling (`DE-ch` becomes `de-CH`)."""
    return str(parse_locale(tag)).replace("_", "-")


def formatting_locale(tag: str | None) -> Locale:
    """The locale numbers and dates are written in; an unknown tag writes English."""
    try:
        return parse_locale(tag or DEFAULT_LOCALE)
    except InvalidLocale:
        return parse_locale(DEFAULT_LOCALE)


def catalogue_language(tag: str | None) -> str:
    """The shipped language whose words a customer with `tag` reads."""
    language = formatting_locale(tag).language
    return language if language in SHIPPED_LANGUAGES else DEFAULT_LOCALE
