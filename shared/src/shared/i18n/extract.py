"""Babel extraction for our Python: gettext calls wherever they are, f-strings included.

Babel's own Python extractor reads tokens, and an f-string is one token, so a `t("…")`
inside `f"<dt>{t('Price')}</dt>"` would never reach the catalogue. Reading the syntax
tree finds every call by name; `babel.cfg` names this function for our sources.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

Extracted = tuple[int, str, str | tuple[str, ...], list[str]]
PLURALS = {"ngettext"}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _message(call: ast.Call, name: str) -> str | tuple[str, ...] | None:
    texts = [_literal(arg) for arg in call.args[: 2 if name in PLURALS else 1]]
    if not texts or any(text is None for text in texts):
        return None
    found = tuple(str(text) for text in texts)
    return found if name in PLURALS else found[0]


def extract_calls(
    fileobj: IO[bytes], keywords: Mapping[str, Any] | Collection[str], comment_tags: Any, options: Any
) -> Iterator[Extracted]:
    """Every call of a keyword function (`t`, `N_`, `gettext`, …) with literal text."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in keywords and (message := _message(node, name)) is not None:
            yield node.lineno, name, message, []
