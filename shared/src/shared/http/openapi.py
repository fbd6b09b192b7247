"""Each service's OpenAPI document says what its routes really answer.

FastAPI documents a route's success and, where it has parameters, a 422 in its own
`{detail}` shape. Our routes answer every refusal as `{"error": {...}}` (`errors.py`),
and a guarded route also answers 401 and 403. Rather than every route repeating that,
`install_openapi` completes each operation from what the route is built from, so a new
route is documented the moment it is added:

- a route that lists a security scheme (its guard is a `Security` dependency, see
  `security.py`) answers 401 for no or an unknown credential and 403 for a valid one of
  the wrong kind;
- a path parameter names something that may not exist: 404;
- a guarded POST may meet a conflict, such as an `Idempotency-Key` already used with
  another body or on another route: 409;
- every 4xx is the error schema, never FastAPI's `{detail}`;
- a POST that creates something readable at `GET <its path>/{id}` links to it.

A status that only some routes answer (402 for a refused card, 503 for a gateway that is
down) is declared on the route with `errors(...)`.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

ERROR_REF = "#/components/schemas/Error"


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    type: str = Field(description="What kind of refusal, e.g. `invalid_request`, `not_found`.")
    message: str = Field(description="For people; it names the field where there is one.")
    field: str | None = Field(default=None, description="The request field to correct, if any.")
    details: list[ErrorDetail] | None = Field(default=None, description="Every invalid field, for a 422.")


class Error(BaseModel):
    """What every refusal answers."""

    error: ErrorBody


DESCRIPTIONS = {
    400: "The request cannot be read.",
    401: "No credential, or one that is unknown, tampered with or expired.",
    402: "The payment method was refused.",
    403: "A valid credential of the wrong kind for this route.",
    404: "Not found, or not the caller's to see.",
    409: "Conflicts with the current state, or an `Idempotency-Key` already used differently.",
    422: "Invalid input; `error.field` names what to correct.",
    503: "A dependency is unavailable; try again later.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's own extra refusals, in the error schema."""
    return {
        status: {"model": Error, "description": DESCRIPTIONS.get(status, "Refused.")} for status in statuses
    }


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS.get(status, "Refused."),
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def _complete_operation(method: str, path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted: set[int] = set()
    if operation.get("security"):
        wanted |= {401, 403}
        if method == "post":
            wanted.add(409)
    if "{" in path:
        wanted.add(404)
    if "422" in responses:
        responses["422"] = _error_response(422)
    for wanted_status in sorted(wanted):
        responses.setdefault(str(wanted_status), _error_response(wanted_status))
    for status, response in responses.items():
        if status[0] in "45":
            response.setdefault("content", {"application/json": {"schema": {"$ref": ERROR_REF}}})
    operation["responses"] = dict(sorted(responses.items()))


def _success_schema(
    operation: dict[str, Any], components: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            ref = schema.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                return status, components.get(ref.rsplit("/", 1)[1], {})
    return None


def _add_links(paths: dict[str, Any], components: dict[str, Any]) -> None:
    """`POST /v1/things` → `GET /v1/things/{thing_id}`, where the answer carries that id."""
    for path, operations in paths.items():
        created = operations.get("post")
        found = _success_schema(created, components) if created else None
        if created is None or found is None:
            continue
        status, schema = found
        properties = schema.get("properties", {})
        for other, other_operations in paths.items():
            reader = other_operations.get("get")
            prefix, _, parameter = other.rpartition("/{")
            if reader is None or prefix != path or not parameter.endswith("}"):
                continue
            name = parameter[:-1]
            source = name if name in properties else "id" if "id" in properties else None
            if source is None:
                continue
            link = {
                "operationId": reader["operationId"],
                "parameters": {name: f"$response.body#/{source}"},
                "description": f"Read what was created, by its `{source}`.",
            }
            created["responses"][status].setdefault("links", {})[f"read_by_{name}"] = link


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document FastAPI generated, completed as the module docstring says."""
    document = copy.deepcopy(document)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in error_schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas["Error"] = error_schema
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(method, path, operation)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    _add_links(document.get("paths", {}), schemas)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at `/openapi.json` (and in `/docs`)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete_document(generated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
