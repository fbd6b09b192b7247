"""The dunning case: one failed invoice, from the decline to its outcome.

The case only remembers facts (what was sent, retried, updated, and when); what to do
next is the engine's job, computed from those facts, so the schedule can be recomputed
at any time after a crash or a late scheduler. Like every aggregate here it records
events in `self.events` and never publishes them: the unit of work does, via the outbox.
All times are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dunning.domain.attribution import Recovery, attribute
from dunning.domain.case_facts import CaseStatus, RetryMade, RetryReason
from dunning.domain.local_time import customer_zone
from dunning.domain.policy import DunningPolicy
from dunning.domain.retention import retention_check_at
from shared.calendar import as_utc
from shared.contracts.base import EventData
from shared.contracts.dunning import (
    CaseOutcome,
    DeclineClass,
    DunningCaseClosed,
    DunningCaseOpened,
    DunningReminderSent,
    DunningRetryScheduled,
)
from shared.declines import classify
from shared.errors import InvalidTransition
from shared.money import Money

if TYPE_CHECKING:
    from dunning.domain.payment_date import ChosenPaymentDate


@dataclass
class DunningCase:
    id: str
    subscription_id: str
    customer_id: str
    invoice_id: str
    amount_due: Money
    decline_code: str
    decline_class: DeclineClass
    policy_version: str
    variant: str
    timezone: str
    opened_at: datetime
    status: CaseStatus = CaseStatus.OPEN
    outcome: CaseOutcome | None = None
    closed_at: datetime | None = None
    retries: list[RetryMade] = field(default_factory=list)
    reminders_sent: list[datetime] = field(default_factory=list)
    beach_offer_sent_at: datetime | None = None
    card_updated_at: datetime | None = None
    failed_card: str | None = None
    """The gateway's id of the declined card, when billing said which one."""
    card_updated_by: str | None = None
    """Who supplied the new card (`payment_method.updated`'s `source`), for attribution."""
    recovery: Recovery | None = None
    retained_30d: bool | None = None
    """Still subscribed 30 days after a recovered or paused close; None until checked."""
    backup_card: str | None = None
    """Billing's id of the customer's other card, tried first (`dunning.domain.backup_card`)."""
    payment_date: ChosenPaymentDate | None = None
    """The day the customer asked to be charged (`dunning.domain.payment_date`)."""
    trace: str | None = None  # the `traceparent` it was opened in: later work joins that trace
    version: int = 0
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(
        cls,
        *,
        case_id: str,
        subscription_id: str,
        customer_id: str,
        invoice_id: str,
        amount_due: Money,
        decline_code: str,
        failed_at: datetime,
        timezone: str,
        policy: DunningPolicy,
        failed_card: str | None = None,
    ) -> DunningCase:
        """A case opens at the failure itself, so the window counts from the decline."""
        customer_zone(timezone)
        case = cls(
            id=case_id,
            subscription_id=subscription_id,
            customer_id=customer_id,
            invoice_id=invoice_id,
            amount_due=amount_due,
            decline_code=decline_code,
            decline_class=classify(decline_code),
            policy_version=policy.version,
            variant=policy.variant,
            timezone=timezone,
            opened_at=as_utc(failed_at),
            failed_card=failed_card,
        )
        case.events.append(
            DunningCaseOpened(
                **case._ids(),
                amount_due=amount_due,
                decline_code=decline_code,
                decline_class=case.decline_class,
                policy_version=policy.version,
                variant=policy.variant,
                opened_at=case.opened_at,
            )
        )
        return case

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN

    @property
    def zone(self) -> ZoneInfo:
        return customer_zone(self.timezone)

    def customer_lives_in(self, timezone: str) -> bool:
        """The customer's timezone arrived after the case opened (their `customer.created`
        came later than the failed payment): quiet hours and paydays follow it from now.
        Answers whether anything changed."""
        self._require_open("move the timezone of")
        customer_zone(timezone)  # refuses a name that is not a timezone
        changed, self.timezone = self.timezone != timezone, timezone
        return changed

    @property
    def contacts(self) -> int:
        """Messages sent: reminders plus the beach offer, as counted in `dunning.reminder_sent`."""
        return len(self.reminders_sent) + (self.beach_offer_sent_at is not None)

    def messages_before(self, moment: datetime) -> int:
        """Messages sent strictly before `moment`: a reminder sent in the same step as a
        retry is decided after it, so it cannot have caused it."""
        sent = [*self.reminders_sent, *([self.beach_offer_sent_at] if self.beach_offer_sent_at else [])]
        return sum(1 for at in sent if at < moment)

    @property
    def retention_check_at(self) -> datetime | None:
        return retention_check_at(self)

    @property
    def last_retry_at(self) -> datetime | None:
        return self.retries[-1].at if self.retries else None

    def _ids(self) -> dict[str, str]:
        return {
            "case_id": self.id,
            "subscription_id": self.subscription_id,
            "customer_id": self.customer_id,
            "invoice_id": self.invoice_id,
        }

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            message = f"cannot {action} closed dunning case {self.id} ({self.outcome})"
            raise InvalidTransition("dunning case", "closed", action, message)

    def record_retry(self, at: datetime, reason: RetryReason) -> int:
        """A `payment.retry` was sent; returns its number within the case."""
        self._require_open("retry")
        self.retries.append(RetryMade(as_utc(at), reason))
        self.events.append(
            DunningRetryScheduled(
                **self._ids(), retry_at=as_utc(at), retry_number=len(self.retries), reason=reason
            )
        )
        return len(self.retries)

    def record_reminder(self, at: datetime, template_id: str) -> int:
        """A card-update reminder was requested; returns its contact number."""
        self._require_open("remind")
        self.reminders_sent.append(as_utc(at))
        return self._contacted(at, template_id)

    def record_beach_offer(self, at: datetime, template_id: str) -> int:
        """Published as a `dunning.reminder_sent`: the pause service keys its offer on the template."""
        self._require_open("offer a pause on")
        if self.beach_offer_sent_at is not None:
            message = f"the beach pause was already offered on case {self.id}"
            raise InvalidTransition("dunning case", "offered", "offer", message)
        self.beach_offer_sent_at = as_utc(at)
        return self._contacted(at, template_id)

    def _contacted(self, at: datetime, template_id: str) -> int:
        self.events.append(
            DunningReminderSent(
                **self._ids(),
                reminder_number=self.contacts,
                template_id=template_id,
                sent_at=as_utc(at),
                amount_due=self.amount_due,
            )
        )
        return self.contacts

    def card_updated(self, at: datetime, card: str | None = None, source: str = "customer") -> bool:
        """`payment_method.updated`: the engine answers with an immediate retry.

        Only for a card other than the one that failed (`card` is the gateway's id, when
        known). Card events and payment events are keyed differently, so they can arrive
        out of order: the card attached before the failure may be announced after the case
        opens, and retrying it at once would only repeat the decline. Answers whether the
        card counted as new.
        """
        self._require_open("update the card of")
        if card is not None and card == self.failed_card:
            return False
        self.card_updated_at, self.card_updated_by = as_utc(at), source
        return True

    def recover(self, at: datetime, recovered_amount: Money | None = None) -> None:
        """`payment.succeeded` or `invoice.paid` for the case's invoice; records its cause."""
        self._require_open("recover")
        self.recovery = attribute(self)
        self.close(CaseOutcome.RECOVERED, at, recovered_amount or self.amount_due)

    def close(self, outcome: CaseOutcome, at: datetime, recovered_amount: Money | None = None) -> None:
        self._require_open("close")
        self.status, self.outcome, self.closed_at = CaseStatus.CLOSED, outcome, as_utc(at)
        self.events.append(
            DunningCaseClosed(
                **self._ids(),
                outcome=outcome,
                closed_at=self.closed_at,
                reminders_sent=self.contacts,
                retries=len(self.retries),
                amount_due=self.amount_due,
                recovered_amount=recovered_amount,
                recovery_method=self.recovery.method if self.recovery else None,
                last_message_number=self.recovery.last_message_number if self.recovery else None,
            )
        )

    def record_retention(self, at: datetime, still_subscribed: bool) -> None:
        """The 30-day check: whether the customer kept the subscription (active or paused)."""
        due = self.retention_check_at
        if due is None or as_utc(at) < due:
            message = f"no retention check due on case {self.id}"
            raise InvalidTransition("dunning case", str(self.outcome), "check retention", message)
        self.retained_30d = still_subscribed
