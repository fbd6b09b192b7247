"""Errors as JSON that name the field, so a caller can fix the request without guessing.

Shape: `{"error": {"type": ..., "message": ..., "field": ..., "details": [...]}}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import Conflict, DomainError, NotAllowed, NotFound


class ApiError(Exception):
    """A domain refusal with its HTTP status, e.g. 409 for a conflicting idempotency key."""

    def __init__(self, status: int, type_: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.message, self.field = status, type_, message, field


def api_error_of(error: DomainError) -> ApiError:
    """The one mapping of a domain refusal to HTTP: 403, 404, 409, or 422 for invalid input."""
    if isinstance(error, NotFound):
        return ApiError(404, "not_found", str(error), error.field)
    if isinstance(error, NotAllowed):
        return ApiError(403, "not_allowed", str(error), error.field)
    if isinstance(error, Conflict):
        return ApiError(409, error.reason, str(error), error.field)
    return ApiError(422, "invalid_request", f"{error.field}: {error}", error.field)


def error_body(
    type_: str, message: str, field: str | None = None, details: list[Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type_, "message": message}
    if field is not None:
        error["field"] = field
    if details:
        error["details"] = details
    return {"error": error}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _detail(error: Any) -> dict[str, str]:
    """A body that is not JSON is the body's fault, not a field's: FastAPI puts the
    character position where the field name goes."""
    if error.get("type") == "json_invalid":
        position = error["loc"][-1] if len(error["loc"]) > 1 else "?"
        return {"field": "body", "message": f"not valid JSON (at character {position})"}
    return {"field": _field_name(tuple(error["loc"])), "message": error["msg"]}


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    details = [_detail(e) for e in exc.errors()]
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}"
    return JSONResponse(error_body("invalid_request", message, first["field"], details), status_code=422)


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(error_body(exc.type, exc.message, exc.field), status_code=exc.status)


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    return await _api_error(request, api_error_of(exc))


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return await _undecodable_body(request, exc.__cause__)
    type_ = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    return JSONResponse(
        error_body(type_.get(exc.status_code, "http_error"), str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _undecodable_body(_request: Request, cause: UnicodeDecodeError) -> JSONResponse:
    """FastAPI answers a body that is not UTF-8 with a bare 400 of its own; it is as much
    the body's fault as JSON cut short, so it gets the same 422 naming the body."""
    message = f"body: not valid UTF-8 (at byte {cause.start})"
    return JSONResponse(error_body("invalid_request", message, "body"), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
