"""Domain refusals as HTTP answers that name the field."""

from __future__ import annotations

from billing.domain.errors import DomainError, InvalidTransition
from billing.service_layer.plans import PlanExists
from billing.service_layer.subscriptions import NotFound
from shared.http.errors import ApiError


def as_api_error(error: DomainError) -> ApiError:
    if isinstance(error, NotFound):
        return ApiError(404, "not_found", str(error), error.field)
    if isinstance(error, PlanExists | InvalidTransition):
        return ApiError(409, "conflict", str(error), error.field)
    return ApiError(422, "invalid_request", f"{error.field}: {error}", error.field)
