"""The gettext catalogues, read from the `.po` files translators edit.

The `.po` files are the only copy in the repository: each is compiled in memory the
first time its language is needed, so no `.mo` can go stale and no build step is
forgotten. A message without a translation reads in English.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from shared.i18n.locales import DEFAULT_LOCALE, SHIPPED_LANGUAGES, catalogue_language

CATALOGUES = Path(__file__).parent / "catalogues"
DOMAIN = "messages"


def po_file(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _compiled(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LOCALE or language not in SHIPPED_LANGUAGES:
        return gettext.NullTranslations()
    with po_file(language).open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translations(tag: str | None) -> gettext.NullTranslations:
    """The words for a customer's locale tag (`de-CH` reads `de`, `fi` reads English)."""
    return _compiled(catalogue_language(tag))
