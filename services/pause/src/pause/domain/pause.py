"""The `BeachPause` aggregate: scheduled → active → ended, or canceled.

A pause keeps the customer's account, data and price while they take a break at a
negligible fee. Each change checks the current status and records its fact in `events`
(the `pause.events` contracts); the service layer stores those in its outbox with the
pause, in one transaction. Nothing here reads a clock: the caller passes `now`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Final, Literal, get_args

from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionView
from shared.calendar import add_months, as_utc
from shared.contracts.base import EventData
from shared.contracts.pause import (
    PauseCanceled,
    PauseEnded,
    PauseExtended,
    PauseScheduled,
    PauseSource,
    PauseStarted,
)
from shared.errors import DomainError, InvalidTransition
from shared.money import Money

PAUSE_SOURCES: Final[tuple[str, ...]] = get_args(PauseSource)
EndReason = Literal["scheduled", "early"]


class PauseStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELED = "canceled"


def new_pause_id() -> str:
    return f"bp_{secrets.token_hex(12)}"


def _months(value: object, policy: PausePolicy) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in policy.durations:
        choices = ", ".join(str(months) for months in policy.durations)
        raise DomainError("months", f"a pause lasts {choices} months; {value!r} is not offered")
    return value


@dataclass
class BeachPause:
    """One pause of one subscription. Times are UTC; `months` is the total after extensions."""

    id: str
    subscription_id: str
    customer_id: str
    months: int
    starts_at: datetime
    resumes_at: datetime
    fee_per_month: Money
    source: PauseSource
    status: PauseStatus
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reminder_sent_at: datetime | None = None
    end_reason: str | None = None
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def schedule(
        cls,
        subscription: SubscriptionView,
        months: int,
        now: datetime,
        policy: PausePolicy,
        source: PauseSource,
    ) -> BeachPause:
        """A pause from the end of the paid period, or at once (and started) for the dunning offer.

        The caller checks eligibility first (`check_eligibility`); this only refuses what
        no caller may ever do. A paid period that already ended (a lagging replica)
        starts the pause now rather than in the past.
        """
        now = as_utc(now)
        months = _months(months, policy)
        if source not in PAUSE_SOURCES:
            raise DomainError("source", f"unknown pause source {source!r}")
        if subscription.status == "canceled":
            raise InvalidTransition("subscription", "canceled", "pause")
        starts_at = now if source == "dunning_offer" else max(subscription.current_period_end, now)
        pause = cls(
            id=new_pause_id(),
            subscription_id=subscription.id,
            customer_id=subscription.customer_id,
            months=months,
            starts_at=starts_at,
            resumes_at=add_months(starts_at, months),
            fee_per_month=policy.fee_for(subscription),
            source=source,
            status=PauseStatus.SCHEDULED,
            created_at=now,
        )
        pause._record(
            PauseScheduled,
            months=months,
            starts_at=starts_at,
            resumes_at=pause.resumes_at,
            fee_per_month=pause.fee_per_month,
            source=source,
        )
        if source == "dunning_offer":
            pause.start(now)
        return pause

    def _record(self, event: type[EventData], **data: object) -> None:
        ids = {"pause_id": self.id, "subscription_id": self.subscription_id, "customer_id": self.customer_id}
        self.events.append(event(**ids, **data))

    def _require(self, action: str, *allowed: PauseStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition("pause", self.status.value, action)

    def is_due_to_start(self, now: datetime) -> bool:
        return self.status is PauseStatus.SCHEDULED and self.starts_at <= as_utc(now)

    def start(self, now: datetime) -> None:
        """On the beach. The event carries the agreed `starts_at`, not the scheduler's lag."""
        self._require("start", PauseStatus.SCHEDULED)
        if not self.is_due_to_start(now):
            raise DomainError("now", f"this pause starts at {self.starts_at.isoformat()}, not before")
        self.status, self.started_at = PauseStatus.ACTIVE, as_utc(now)
        self._record(
            PauseStarted,
            starts_at=self.starts_at,
            resumes_at=self.resumes_at,
            fee_per_month=self.fee_per_month,
        )

    def reminder_due(self, now: datetime, policy: PausePolicy) -> bool:
        """One friendly heads-up `reminder_before_resume` before the resume date, while away."""
        now = as_utc(now)
        return (
            self.status is PauseStatus.ACTIVE
            and self.reminder_sent_at is None
            and self.resumes_at - policy.reminder_before_resume <= now < self.resumes_at
        )

    def mark_reminded(self, now: datetime) -> None:
        self._require("remind about", PauseStatus.ACTIVE)
        if self.reminder_sent_at is not None:
            raise DomainError("reminder_sent_at", "the resume reminder was already sent")
        self.reminder_sent_at = as_utc(now)

    def is_due_to_end(self, now: datetime) -> bool:
        return self.status is PauseStatus.ACTIVE and self.resumes_at <= as_utc(now)

    def end(self, now: datetime, reason: EndReason = "scheduled") -> None:
        """Back from the beach. A scheduled end is dated `resumes_at`: billing's new period
        starts on the resume date the customer chose, however late the scheduler ran."""
        self._require("end", PauseStatus.ACTIVE)
        now = as_utc(now)
        if reason == "scheduled":
            if not self.is_due_to_end(now):
                raise DomainError("now", f"this pause resumes at {self.resumes_at.isoformat()}, not before")
            ended_at = self.resumes_at
        elif reason == "early":
            ended_at = now
        else:
            raise DomainError("reason", f"a pause ends as 'scheduled' or 'early', not {reason!r}")
        self.status, self.ended_at, self.end_reason = PauseStatus.ENDED, ended_at, reason
        self._record(PauseEnded, ended_at=ended_at, reason=reason)

    def resume_early(self, now: datetime) -> None:
        """The customer comes back before the date: an active pause ends, a scheduled one is
        called off. Arriving after the resume date already passed is simply the scheduled end."""
        self._require("resume", PauseStatus.SCHEDULED, PauseStatus.ACTIVE)
        if self.status is PauseStatus.SCHEDULED:
            self.cancel(now, "early")
        else:
            self.end(now, "scheduled" if self.is_due_to_end(now) else "early")

    def extend(self, months_more: int, now: datetime, policy: PausePolicy) -> None:
        """Longer on the beach, from the same start. A new resume date earns a new reminder."""
        self._require("extend", PauseStatus.SCHEDULED, PauseStatus.ACTIVE)
        as_utc(now)
        if isinstance(months_more, bool) or not isinstance(months_more, int) or months_more < 1:
            raise DomainError("months", "extend a pause by at least one whole month")
        total = self.months + months_more
        if total > policy.max_total_months:
            raise DomainError("months", f"a pause may last at most {policy.max_total_months} months in all")
        previous = self.resumes_at
        self.months, self.resumes_at = total, add_months(self.starts_at, total)
        self.reminder_sent_at = None
        self._record(
            PauseExtended,
            months=total,
            previous_resumes_at=previous,
            resumes_at=self.resumes_at,
            starts_at=self.starts_at,
            fee_per_month=self.fee_per_month,
            running=self.status is PauseStatus.ACTIVE,
        )

    def cancel(self, now: datetime, reason: str) -> None:
        """Call the pause off (e.g. the subscription was canceled); billing resumes if it paused."""
        self._require("cancel", PauseStatus.SCHEDULED, PauseStatus.ACTIVE)
        if not isinstance(reason, str) or not reason.strip():
            raise DomainError("reason", "say why the pause is canceled")
        now = as_utc(now)
        self.status, self.ended_at, self.end_reason = PauseStatus.CANCELED, now, reason
        self._record(PauseCanceled, canceled_at=now, reason=reason)

    @property
    def counts_toward_limit(self) -> bool:
        """Pauses called off before they began were never a break, so they use up no allowance."""
        return not (self.status is PauseStatus.CANCELED and self.started_at is None)


def paused_months(pause: BeachPause) -> list[tuple[datetime, datetime]]:
    """The months a fee is owed for, each `[start, end)` from `starts_at`.

    A scheduled or active pause owes its planned months; an ended or canceled one owes
    every month it had begun before `ended_at`; one never started owes nothing.
    """
    if pause.status is PauseStatus.CANCELED and pause.started_at is None:
        return []
    until = pause.resumes_at
    if pause.ended_at is not None:
        until = min(until, pause.ended_at)
    bounds = [add_months(pause.starts_at, i) for i in range(pause.months + 1)]
    return [(start, end) for start, end in pairwise(bounds) if start < until]


def fee_total(pause: BeachPause) -> Money:
    return pause.fee_per_month * len(paused_months(pause))
