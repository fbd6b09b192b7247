"""Domain refusals. Each names the field or state at fault, for a clear 4xx."""

from __future__ import annotations


class DomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransition(DomainError):
    """The aggregate is not in a state that allows this change (e.g. renewing a canceled subscription)."""

    def __init__(self, what: str, current: str, action: str) -> None:
        super().__init__("status", f"cannot {action} a {current} {what}")
        self.current = current
