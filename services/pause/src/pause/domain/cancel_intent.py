"""A customer's wish to cancel, recorded before we offer a pause instead.

The reason is kept whatever the customer decides: finance and product learn why people
leave, and how many of them a pause kept. The intent itself cancels nothing; on
`confirmed` the service layer sends billing the `subscription.cancel` command.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.calendar import as_utc
from shared.errors import DomainError

CancelOutcome = Literal["pending", "paused", "canceled"]
REASON_MAX_LENGTH = 500


def new_cancel_intent_id() -> str:
    return f"ci_{secrets.token_hex(12)}"


@dataclass
class CancelIntent:
    id: str
    subscription_id: str
    customer_id: str
    reason: str
    created_at: datetime
    outcome: CancelOutcome = "pending"
    resolved_at: datetime | None = None

    @classmethod
    def record(cls, subscription_id: str, customer_id: str, reason: str, now: datetime) -> CancelIntent:
        """A pending intent; the reason is trimmed and must say something (1..500 characters)."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not 1 <= len(text) <= REASON_MAX_LENGTH:
            raise DomainError("reason", f"tell us why in 1 to {REASON_MAX_LENGTH} characters")
        return cls(
            id=new_cancel_intent_id(),
            subscription_id=subscription_id,
            customer_id=customer_id,
            reason=text,
            created_at=as_utc(now),
        )

    def _resolve(self, outcome: CancelOutcome, now: datetime, action: str) -> None:
        if self.outcome != "pending":
            raise DomainError("outcome", f"cannot {action} a cancel intent that is already {self.outcome}")
        self.outcome, self.resolved_at = outcome, as_utc(now)

    def became_pause(self, now: datetime) -> None:
        """The customer took the pause we offered instead of leaving."""
        self._resolve("paused", now, "turn into a pause")

    def confirmed(self, now: datetime) -> None:
        """The customer declined the pause and confirmed the cancellation."""
        self._resolve("canceled", now, "confirm")
