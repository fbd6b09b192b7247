"""The dunning policy: one frozen, versioned configuration per experiment variant.

A case remembers the version it was opened under, so changing the configuration never
changes the schedule of a case already running: publish a new version instead.
`GENTLE` is the default (DESIGN.md, "Gentle dunning"). `AGGRESSIVE` is the old way,
kept only as the experiment and simulator baseline; it ignores the reminder limits.
Building a policy from a dict lives in `policy_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time, timedelta
from enum import StrEnum
from itertools import pairwise

from dunning.domain.local_time import QuietHours
from shared.contracts.dunning import CaseOutcome


class FinalAction(StrEnum):
    """What happens when the window ends unpaid; the customer was offered a pause first."""

    PAUSE = "pause"
    CANCEL = "cancel"

    @property
    def outcome(self) -> CaseOutcome:
        return CaseOutcome.PAUSED if self is FinalAction.PAUSE else CaseOutcome.CANCELED


class RetryStrategy(StrEnum):
    """`by_decline_class` is gentle; `daily` is the old way (hard declines still excluded)."""

    BY_DECLINE_CLASS = "by_decline_class"
    DAILY = "daily"


DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NIGHT = QuietHours(time(21, 0), time(8, 0))
"""No message between 21:00 and 08:00 in the customer's own timezone."""


@dataclass(frozen=True)
class DunningPolicy:
    """Every number the engine uses. Durations are elapsed time; see `local_time`."""

    version: str
    variant: str
    window: timedelta = 21 * DAY
    final_action: FinalAction = FinalAction.PAUSE
    beach_offer_before_end: timedelta | None = 2 * DAY
    max_reminders: int | None = 3
    hard_decline_max_reminders: int | None = 1
    first_reminder_after: timedelta = 2 * DAY
    reminder_every: timedelta = 6 * DAY
    min_reminder_gap: timedelta = 72 * HOUR
    quiet_hours: QuietHours | None = NIGHT
    expired_card_quiet_period: timedelta = 3 * DAY
    retry_strategy: RetryStrategy = RetryStrategy.BY_DECLINE_CLASS
    soft_retry_days: tuple[int, ...] = (1, 3, 5, 8, 12, 17)
    paydays: tuple[int, ...] = (1, 15)
    payday_time: time = time(0, 1)
    insufficient_funds_fallback: timedelta = 3 * DAY
    max_retries: int | None = 6
    retry_result_wait: timedelta = HOUR

    @property
    def sends_messages(self) -> bool:
        """False for a control group such as `HOLDOUT`: no reminder, no offer, no heads-up."""
        caps = (self.max_reminders, self.hard_decline_max_reminders)
        return any(cap != 0 for cap in caps) or self.beach_offer_before_end is not None

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError(f"dunning policy {self.version!r}: " + "; ".join(problems))


def _problems(policy: DunningPolicy) -> list[str]:
    """Everything wrong with a policy, so a bad configuration fails loudly at load time."""
    zero, window = timedelta(0), policy.window
    lead = policy.beach_offer_before_end
    counts = (policy.max_reminders, policy.hard_decline_max_reminders, policy.max_retries)
    checks = [
        (bool(policy.version.strip() and policy.variant.strip()), "version and variant must not be empty"),
        (isinstance(policy.final_action, FinalAction), "final_action must be a FinalAction"),
        (isinstance(policy.retry_strategy, RetryStrategy), "retry_strategy must be a RetryStrategy"),
        (window > zero, "window must be positive"),
        (lead is None or zero < lead < window, "beach_offer_before_end must be inside the window"),
        (all(count is None or count >= 0 for count in counts), "maximum counts must not be negative"),
        (policy.first_reminder_after >= zero, "first_reminder_after must not be negative"),
        (policy.reminder_every > zero, "reminder_every must be positive"),
        (policy.min_reminder_gap > zero, "min_reminder_gap must be positive"),
        (zero <= policy.expired_card_quiet_period < window, "expired_card_quiet_period must fit the window"),
        (
            _increasing(policy.soft_retry_days, low=1, high_exclusive=window / DAY),
            "soft_retry_days must be increasing whole days inside the window",
        ),
        (
            bool(policy.paydays) and _increasing(policy.paydays, low=1, high_exclusive=29),
            "paydays must be increasing days 1 to 28, which every month has",
        ),
        (policy.payday_time.tzinfo is None, "payday_time must be a local wall time without tzinfo"),
        (
            zero < policy.insufficient_funds_fallback < window,
            "insufficient_funds_fallback must fit the window",
        ),
        (policy.retry_result_wait >= zero, "retry_result_wait must not be negative"),
    ]
    return [problem for ok, problem in checks if not ok]


def _increasing(values: tuple[int, ...], *, low: int, high_exclusive: float) -> bool:
    whole = all(isinstance(value, int) and not isinstance(value, bool) for value in values)
    ordered = all(a < b for a, b in pairwise(values))
    return whole and ordered and all(low <= value < high_exclusive for value in values)


GENTLE = DunningPolicy(version="gentle-v1", variant="gentle")
"""The default: few, well-timed reminders and retries when they are likely to work."""

AGGRESSIVE = DunningPolicy(
    version="aggressive-v1",
    variant="aggressive",
    max_reminders=None,
    hard_decline_max_reminders=None,
    first_reminder_after=timedelta(0),
    reminder_every=DAY,
    min_reminder_gap=DAY,
    quiet_hours=None,
    expired_card_quiet_period=timedelta(0),
    retry_strategy=RetryStrategy.DAILY,
    max_retries=None,
)
"""The old way, for experiments only: a retry and a reminder every day, at any hour.

It keeps the beach offer and final action of `GENTLE`, so an experiment measures the
cadence alone. Hard declines are not retried even here: networks penalise it.
"""

HOLDOUT = DunningPolicy(
    version="holdout-v1",
    variant="holdout",
    max_reminders=0,
    hard_decline_max_reminders=0,
    beach_offer_before_end=None,
)
"""The control group: retries exactly as `GENTLE` does and sends no message at all, so
the difference from it is what our messages add. Its window ends with the same final
action, so both groups are compared over the same 21 days."""

DEFAULT_POLICY = GENTLE

BUILT_IN_POLICIES: Mapping[str, DunningPolicy] = {
    policy.version: policy for policy in (GENTLE, AGGRESSIVE, HOLDOUT)
}
"""By version, so a case opened under a version can always find its policy again."""


CARD_BUDGET_30_DAYS = 15
"""The card networks' limit billing enforces by default (`CARD_RETRY_BUDGET_PER_30_DAYS`)."""


def within_card_budget(policy: DunningPolicy, budget_30_days: int = CARD_BUDGET_30_DAYS) -> DunningPolicy:
    """The policy planning at most `budget_30_days` charges per case: the failed one and its
    retries. Every variant, the aggressive baseline included, so dunning never asks billing
    for a charge the budget would hold back."""
    room = max(0, budget_30_days - 1)
    if policy.max_retries is not None and policy.max_retries <= room:
        return policy
    return replace(policy, max_retries=room)
