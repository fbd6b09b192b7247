"""Why the pause domain refuses something, naming the field at fault.

The service layer turns a `DomainError` into a 4xx whose body points at `field`, so a
portal form can show the message beside the right input instead of a generic failure.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A refused input or change; `field` names what to fix (`months`, `status`, …)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidTransition(DomainError):
    """The object's current status does not allow this change (e.g. extending an ended pause)."""

    def __init__(self, what: str, current: str, action: str) -> None:
        super().__init__("status", f"cannot {action} a {current} {what}")
        self.current = current
