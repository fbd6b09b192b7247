"""Why the domain refuses something, named once for every service.

A refusal names the field at fault, so the HTTP layer can answer a 4xx that points at
it and a portal form can show the message beside the right input. The kind of refusal
(`NotFound`, `Conflict`, anything else invalid input) decides the status in one
place, `shared.http.errors`, so no route translates errors by hand.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A refused input or change; `field` names what to fix (`months`, `status`, …)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(DomainError):
    """What the request names does not exist, or is not the caller's to see."""


class NotAllowed(DomainError):
    """The caller is known but may not do this (a recovery link's session cancelling)."""


class Conflict(DomainError):
    """The request is valid but the current state refuses it; `reason` is the error type
    a caller can branch on (`conflict` unless a use case names a sharper one)."""

    def __init__(self, field: str, message: str, reason: str = "conflict") -> None:
        super().__init__(field, message)
        self.reason = reason


class InvalidTransition(Conflict):
    """The aggregate's state does not allow this change (e.g. renewing a canceled
    subscription, reminding on a closed dunning case)."""

    def __init__(self, what: str, current: str, action: str, message: str | None = None) -> None:
        super().__init__("status", message or f"cannot {action} a {current} {what}")
        self.current = current
