"""The subscription state machine: active → past_due → paused → canceled.

A past-due customer keeps access (gentle dunning); only an active subscription renews,
so a customer is never billed for a new period while the last one is still unpaid. A
resumed subscription starts a fresh period on the resume date.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from billing.domain.periods import period
from billing.domain.plan import Interval, Plan
from billing.domain.subscription_facts import subscription_created
from shared.calendar import add_months
from shared.contracts.base import EventData
from shared.contracts.billing import (
    SubscriptionCanceled,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from shared.errors import InvalidTransition
from shared.money import Money


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    CANCELED = "canceled"


def new_subscription_id() -> str:
    return f"sub_{secrets.token_hex(12)}"


@dataclass
class Subscription:
    id: str
    customer_id: str
    plan_code: str
    price: Money
    interval: Interval
    beach_fee: Money
    status: SubscriptionStatus
    billing_anchor: datetime
    period_index: int
    current_period_start: datetime
    current_period_end: datetime
    created_at: datetime
    pause_id: str | None = None
    pause_resumes_at: datetime | None = None
    next_beach_fee_at: datetime | None = None
    pause_started_at: datetime | None = None
    beach_fees_charged: int = 0
    scheduled_pause_id: str | None = None
    scheduled_pause_starts_at: datetime | None = None
    canceled_at: datetime | None = None
    cancel_reason: str | None = None
    version: int = 0
    pause_events_applied: int = 0
    """The sequence of the newest fact from the pause service applied here: an older one,
    redelivered late, changes nothing."""
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def start(cls, *, customer_id: str, plan: Plan, now: datetime) -> Subscription:
        start, end = period(now, 0, plan.interval)
        subscription = cls(
            id=new_subscription_id(),
            customer_id=customer_id,
            plan_code=plan.code,
            price=plan.price,
            interval=plan.interval,
            beach_fee=plan.beach_fee,
            status=SubscriptionStatus.ACTIVE,
            billing_anchor=now,
            period_index=0,
            current_period_start=start,
            current_period_end=end,
            created_at=now,
        )
        subscription.events.append(subscription_created(subscription, plan))
        return subscription

    def _require(self, action: str, *allowed: SubscriptionStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition("subscription", self.status.value, action)

    def is_due_for_renewal(self, now: datetime) -> bool:
        """Active, the paid period over, and no pause agreed to begin when it ends."""
        starts = self.scheduled_pause_starts_at
        pause_ahead = starts is not None and starts <= self.current_period_end
        return self.status is SubscriptionStatus.ACTIVE and self.current_period_end <= now and not pause_ahead

    def schedule_pause(self, pause_id: str, starts_at: datetime) -> None:
        """Remember a pause agreed for later, so the period it replaces is not renewed first."""
        self._require("schedule a pause on", SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
        self.scheduled_pause_id, self.scheduled_pause_starts_at = pause_id, starts_at

    def drop_scheduled_pause(self, pause_id: str) -> None:
        if self.scheduled_pause_id == pause_id:
            self.scheduled_pause_id = self.scheduled_pause_starts_at = None

    def renew(self, invoice_id: str) -> None:
        """Move to the next period; the caller has issued its invoice."""
        self._require("renew", SubscriptionStatus.ACTIVE)
        self.period_index += 1
        self.current_period_start, self.current_period_end = period(
            self.billing_anchor, self.period_index, self.interval
        )
        self.events.append(
            SubscriptionRenewed(
                subscription_id=self.id,
                customer_id=self.customer_id,
                plan_code=self.plan_code,
                invoice_id=invoice_id,
                current_period_start=self.current_period_start,
                current_period_end=self.current_period_end,
            )
        )

    def next_period(self) -> tuple[datetime, datetime]:
        return period(self.billing_anchor, self.period_index + 1, self.interval)

    def mark_past_due(self, invoice_id: str, decline_code: str | None) -> None:
        if self.status is SubscriptionStatus.PAST_DUE:
            return
        self._require("mark past due", SubscriptionStatus.ACTIVE)
        self.status = SubscriptionStatus.PAST_DUE
        self.events.append(
            SubscriptionPastDue(
                subscription_id=self.id,
                customer_id=self.customer_id,
                invoice_id=invoice_id,
                decline_code=decline_code,
            )
        )

    def mark_paid_up(self) -> None:
        """The open invoice was paid: a past-due subscription is active again."""
        if self.status is SubscriptionStatus.PAST_DUE:
            self.status = SubscriptionStatus.ACTIVE

    def take_pause_fact(self, sequence: int | None) -> bool:
        """Whether a fact from the pause service, numbered `sequence`, is newer than every
        one applied here (then it becomes the newest). Pause facts about one subscription
        supersede each other, so an older one arriving late cannot start an ended pause."""
        if sequence is None:
            return True
        if sequence <= self.pause_events_applied:
            return False
        self.pause_events_applied = sequence
        return True

    def pause(self, *, pause_id: str, at: datetime, resumes_at: datetime, fee: Money | None = None) -> None:
        """On the beach from `at`; `fee` is what the customer agreed to pay per paused month
        (the plan's fee when they agreed), which the beach fees then charge."""
        self._require("pause", SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
        if fee is not None:
            self.beach_fee = fee
        self.status = SubscriptionStatus.PAUSED
        self.pause_id, self.pause_resumes_at = pause_id, resumes_at
        self.pause_started_at, self.beach_fees_charged = at, 0
        self.scheduled_pause_id = self.scheduled_pause_starts_at = None
        self.next_beach_fee_at = at
        self.events.append(
            SubscriptionPaused(
                subscription_id=self.id,
                customer_id=self.customer_id,
                pause_id=pause_id,
                paused_at=at,
                resumes_at=resumes_at,
            )
        )

    def extend_pause(self, pause_id: str, resumes_at: datetime) -> None:
        """The customer stays on the beach longer: fees go on until the new resume date."""
        self._require("extend the pause of", SubscriptionStatus.PAUSED)
        if pause_id != self.pause_id:
            return  # another pause than the one running: nothing to extend
        self.pause_resumes_at = resumes_at

    def beach_fee_due(self, now: datetime) -> bool:
        return (
            self.status is SubscriptionStatus.PAUSED
            and self.next_beach_fee_at is not None
            and self.next_beach_fee_at <= now
            and (self.pause_resumes_at is None or self.next_beach_fee_at < self.pause_resumes_at)
        )

    def beach_month(self) -> tuple[datetime, datetime]:
        """The paused month the next fee pays for; advances the fee schedule."""
        self._require("charge a beach fee on", SubscriptionStatus.PAUSED)
        assert self.pause_started_at is not None
        # Counted from the pause start, like billing periods from their anchor: a pause
        # from 31 January owes fees on 31 Jan and 28 Feb, then 31 Mar, never a drifted 28th.
        start = add_months(self.pause_started_at, self.beach_fees_charged)
        self.beach_fees_charged += 1
        self.next_beach_fee_at = add_months(self.pause_started_at, self.beach_fees_charged)
        return start, self.next_beach_fee_at

    def resume(self, *, at: datetime, pause_id: str | None) -> None:
        """Back from the beach: a new billing period starts on the resume date."""
        self._require("resume", SubscriptionStatus.PAUSED)
        self.status = SubscriptionStatus.ACTIVE
        self.billing_anchor, self.period_index = at, 0
        self.current_period_start, self.current_period_end = period(at, 0, self.interval)
        self.pause_id = self.pause_resumes_at = self.next_beach_fee_at = self.pause_started_at = None
        self.events.append(
            SubscriptionResumed(
                subscription_id=self.id,
                customer_id=self.customer_id,
                pause_id=pause_id,
                current_period_start=self.current_period_start,
                current_period_end=self.current_period_end,
            )
        )

    def cancel(self, *, at: datetime, reason: str | None, requested_by: str) -> None:
        if self.status is SubscriptionStatus.CANCELED:
            return
        self.status = SubscriptionStatus.CANCELED
        self.canceled_at, self.cancel_reason = at, reason
        self.events.append(
            SubscriptionCanceled(
                subscription_id=self.id,
                customer_id=self.customer_id,
                canceled_at=at,
                reason=reason,
                requested_by=requested_by,
            )
        )
