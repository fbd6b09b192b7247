"""What a dunning case remembers of itself besides its money: its status and its retries.

Apart from `dunning.domain.case` so the case's own module holds its behaviour; the case
re-exports these names, which the rest of dunning imports from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RetryReason(StrEnum):
    """Why a retry happens now; it travels in `payment.retry` and `dunning.retry_scheduled`."""

    CARD_UPDATED = "card_updated"
    PAYDAY = "payday"
    THREE_DAYS = "three_days"
    SPACED = "spaced"
    DAILY = "daily"
    CUSTOMER_DATE = "customer_date"
    BACKUP_CARD = "backup_card"


@dataclass(frozen=True)
class RetryMade:
    at: datetime
    reason: RetryReason
