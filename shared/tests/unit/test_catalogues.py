"""The gettext catalogues translators edit: complete, consistent, and up to date with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from shared.i18n.catalogues import CATALOGUES, po_file
from shared.i18n.locales import SHIPPED_LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
KEYWORDS = {"t": None, "N_": None, "page": None, "gettext": None, "ngettext": (1, 2)}
TRANSLATED = [lang for lang in SHIPPED_LANGUAGES if lang != "en"]


def _ids(message_id: object) -> tuple[str, ...]:
    """A singular message's one text, or a plural's forms."""
    if isinstance(message_id, tuple | list):
        return tuple(str(text) for text in message_id)
    return (str(message_id or ""),)


def test_the_template_holds_every_message_the_code_and_templates_use() -> None:
    """`make messages` was run after the last wording change."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    in_code = {
        found[2] for found in extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS) if found[2]
    }
    with (CATALOGUES / "messages.pot").open("rb") as template:
        in_template = {m.id for m in read_po(template) if m.id}
    assert in_code == in_template, "run `make messages`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    with po_file(language).open("rb") as source:
        catalogue = read_po(source, locale=language)
    for message in catalogue:
        if not message.id:
            continue
        strings = _ids(message.string)
        assert all(strings), f"{language}: untranslated {message.id!r}"
        wanted = set(PLACEHOLDER.findall(_ids(message.id)[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, f"{language}: {message.id!r} -> {string!r}"
        assert "fuzzy" not in message.flags, f"{language}: fuzzy {message.id!r}"
