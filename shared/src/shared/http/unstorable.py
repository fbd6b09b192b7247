"""Refuse text no database can store, in any input of any route, naming the field.

PostgreSQL refuses a NUL character in text, and a lone UTF-16 surrogate (which JSON's
`"\\ud800"` decodes to) cannot be encoded for any driver. Either one anywhere in an id,
a filter or a reason used to be a 500 from deep in a query. Names are checked for
control characters by the domain (`shared.text`); this is the floor under everything
else: every path and query parameter, and every string in a JSON or form body, is
looked at once per request, before the route runs, so a new route is covered too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from shared.http.errors import ApiError

FORM = "application/x-www-form-urlencoded"


def _problem(text: str) -> str | None:
    for character in text:
        if character == "\x00":
            return "must not contain a NUL character"
        if "\ud800" <= character <= "\udfff":
            return "must not contain a lone surrogate (not valid Unicode)"
    return None


def _strings(value: Any, at: str) -> Iterator[tuple[str, str]]:
    """(field, text) for every key and string inside a decoded JSON value."""
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{at}.{key}" if at else str(key)
            yield field, str(key)
            yield from _strings(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{at}.{index}" if at else str(index))


async def _body_strings(request: Request) -> Iterator[tuple[str, str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = await request.json()
        except ValueError:  # not JSON at all: FastAPI's own validation says so
            return iter(())
        return _strings(body, "")
    if content_type == FORM:  # read as the portal reads its forms: no multipart parser here
        try:
            return iter(parse_qsl((await request.body()).decode(errors="replace"), max_num_fields=50))
        except ValueError:  # too many fields: the route refuses the form itself
            return iter(())
    return iter(())


async def refuse_unstorable_text(request: Request) -> None:
    """A FastAPI dependency for the whole app: 422 naming the first field at fault."""
    inputs = [
        *request.path_params.items(),
        *request.query_params.multi_items(),
        *(await _body_strings(request)),
    ]
    for field, text in inputs:
        problem = _problem(str(text))
        if problem is not None:
            raise ApiError(422, "invalid_request", f"{field or 'body'}: {problem}", field or "body")
