"""Saved, or only delayed: whether a recovered or paused customer is still with us.

A recovery that ends in a cancellation a week later saved nothing, so the report
counts a customer as saved only once this check, 30 days after the close, found the
subscription still active or paused (as Chargebee Retention validates its saves).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.contracts.dunning import CaseOutcome

if TYPE_CHECKING:
    from dunning.domain.case import DunningCase

RETENTION_PERIOD = timedelta(days=30)
CHECKED_OUTCOMES = frozenset({CaseOutcome.RECOVERED, CaseOutcome.PAUSED})
"""Only these keep the customer; a canceled or written-off case has nothing to check."""

ENDED_STATUS = "canceled"
"""The one subscription status that is not retained: active and paused both are."""


def retention_check_at(case: DunningCase) -> datetime | None:
    """When the case's 30-day check is due; None once done or when there is none."""
    if case.outcome not in CHECKED_OUTCOMES or case.closed_at is None or case.retained_30d is not None:
        return None
    return case.closed_at + RETENTION_PERIOD


def still_subscribed(latest_status: str | None) -> bool:
    """From the newest pause or cancel fact dunning heard of (none: still active)."""
    return latest_status != ENDED_STATUS
