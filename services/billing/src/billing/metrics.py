"""Billing's own metrics: how a renewal day is going, batch by batch."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

RENEWAL_DAY_DONE = Counter(
    "billing_run_done_total", "Renewals and beach fees the billing run invoiced and queued.", ["kind"]
)
RENEWAL_DAY_TO_DO = Gauge(
    "billing_run_to_do", "Subscriptions due when the current billing run began, less those done since."
)
