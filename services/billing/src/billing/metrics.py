"""Billing's own metrics: how a renewal day is going, and how payments turn out."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge

from billing.domain.payment import AttemptStatus, PaymentAttempt
from shared.declines import classify

RENEWAL_DAY_DONE = Counter(
    "billing_run_done_total", "Renewals and beach fees the billing run invoiced and queued.", ["kind"]
)
RENEWAL_DAY_TO_DO = Gauge(
    "billing_run_to_do", "Subscriptions due when the current billing run began, less those done since."
)
PAYMENTS = Counter(
    "billing_payments_total",
    "Payment attempts settled, by outcome (succeeded, failed) and the decline class of a failure's "
    "code (expired_card, insufficient_funds, soft_decline, hard_decline; `none` for a success). "
    "An unknown code, or no card on file, is a soft decline, as dunning treats it.",
    ["outcome", "decline_class"],
)
SETTLED = (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED)


def count_payments(attempts: Iterable[PaymentAttempt]) -> None:
    """Called after the transaction that settled them committed, so a rolled-back batch
    (another replica settled it first) is not counted."""
    for attempt in attempts:
        if attempt.status in SETTLED:
            declined = attempt.status is AttemptStatus.FAILED
            decline_class = classify(attempt.decline_code).value if declined else "none"
            PAYMENTS.labels(attempt.status.value, decline_class).inc()
