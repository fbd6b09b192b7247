"""Typed text: control characters and bidirectional overrides are refused, real names kept."""

from __future__ import annotations

import pytest

from shared.errors import DomainError
from shared.text import plain_text


@pytest.mark.parametrize("value", ["a\x00b", "a\nb", "\u202eevil", "x\u2067y", "\x7f"])
def test_control_and_bidi_override_characters_are_refused_naming_the_field(value: str) -> None:
    with pytest.raises(DomainError) as refused:
        plain_text("name", value)
    assert refused.value.field == "name"
    assert "U+" in str(refused.value)


@pytest.mark.parametrize("value", ["  Zoë Ångström ", "山田 太郎", "\U0001f469\u200d\U0001f4bb Dev"])
def test_letters_marks_and_joiners_are_kept_and_only_the_ends_trimmed(value: str) -> None:
    assert plain_text("name", value) == value.strip()


def test_an_empty_value_is_refused() -> None:
    with pytest.raises(DomainError, match="empty"):
        plain_text("name", "   ")
