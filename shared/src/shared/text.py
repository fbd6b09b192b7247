"""Text a person typed, checked once for every service.

A name is shown in emails, pages and finance's exports. A NUL byte is refused by
PostgreSQL (a 500 rather than a clear answer) and control characters break exports; the
bidirectional overrides and isolates can make a name display as something else
("Trojan Source"). So these are refused with an error naming the field, while every
letter, mark and joiner a real name needs (ZWJ and ZWNJ included) is kept.
"""

from __future__ import annotations

import unicodedata

from shared.errors import DomainError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def plain_text(field: str, value: str, refusal: type[DomainError] = DomainError) -> str:
    """`value` without surrounding spaces; refused (as `refusal`) if empty or holding
    control characters."""
    for character in value:
        if unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS:
            raise refusal(field, f"must not contain control characters (found U+{ord(character):04X})")
    if not value.strip():
        raise refusal(field, "must not be empty")
    return value.strip()
