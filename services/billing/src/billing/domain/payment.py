"""Payment attempts: one gateway call each, keyed by an idempotency key.

The attempt is stored as `pending` before the gateway is called and settled after, so
a crash in between leaves a record that is resolved by charging again with the same
key: the gateway answers with the first outcome instead of charging twice.

Only one process sends a pending attempt: the one holding its lease. A lease is taken
before the gateway is called and runs out on its own, so a holder that crashed (and
took the gateway's answer with it) holds nobody up for longer than the lease.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from shared.contracts.base import EventData
from shared.contracts.billing import ChargeContext, PaymentFailed, PaymentSucceeded
from shared.errors import InvalidTransition
from shared.money import Money


class AttemptStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


def new_attempt_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


@dataclass(frozen=True)
class Lease:
    """The right to send pending attempts to the gateway, held by one process until
    `expires_at` (wall-clock time: a lease must run out whatever the test clock does)."""

    owner: str
    expires_at: datetime

    def leaves_time_to_send(self, now: datetime, margin: timedelta) -> bool:
        """Whether a call started now still ends well inside the lease."""
        return now + margin < self.expires_at


@dataclass
class PaymentAttempt:
    id: str
    invoice_id: str
    subscription_id: str
    customer_id: str
    attempt_number: int
    amount: Money
    context: ChargeContext
    reason: str
    idempotency_key: str
    status: AttemptStatus
    created_at: datetime
    gateway_payment_method: str | None = None
    gateway_reference: str | None = None
    decline_code: str | None = None
    decline_message: str | None = None
    settled_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    not_before: datetime | None = None
    """Set while the card's retry budget holds the charge back (`retry_budget`)."""
    held_reason: str | None = None
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def begin(
        cls,
        *,
        invoice_id: str,
        subscription_id: str,
        customer_id: str,
        attempt_number: int,
        amount: Money,
        context: ChargeContext,
        reason: str,
        now: datetime,
        idempotency_key: str | None = None,
        lease: Lease | None = None,
    ) -> PaymentAttempt:
        """A pending attempt; with `lease`, already held by the process that will send it."""
        attempt_id = new_attempt_id()
        return cls(
            id=attempt_id,
            invoice_id=invoice_id,
            subscription_id=subscription_id,
            customer_id=customer_id,
            attempt_number=attempt_number,
            amount=amount,
            context=context,
            reason=reason,
            idempotency_key=idempotency_key or attempt_id,
            status=AttemptStatus.PENDING,
            created_at=now,
            lease_owner=lease.owner if lease else None,
            lease_expires_at=lease.expires_at if lease else None,
        )

    def _fact(self, at: datetime) -> dict[str, object]:
        return {
            "payment_id": self.id,
            "invoice_id": self.invoice_id,
            "subscription_id": self.subscription_id,
            "customer_id": self.customer_id,
            "amount": self.amount,
            "attempt_number": self.attempt_number,
            "context": self.context,
            "attempted_at": at,
        }

    def succeed(self, *, gateway_reference: str | None, at: datetime) -> None:
        self._require_pending()
        self.status, self.gateway_reference, self.settled_at = AttemptStatus.SUCCEEDED, gateway_reference, at
        self.events.append(PaymentSucceeded(**self._fact(at)))

    def fail(
        self,
        *,
        decline_code: str,
        message: str | None,
        gateway_reference: str | None,
        at: datetime,
        backup_card: str | None = None,
    ) -> None:
        self._require_pending()
        self.status, self.settled_at = AttemptStatus.FAILED, at
        self.decline_code, self.decline_message = decline_code, message
        self.gateway_reference = gateway_reference
        self.events.append(
            PaymentFailed(
                **self._fact(at),
                decline_code=decline_code,
                decline_message=message,
                gateway_payment_method=self.gateway_payment_method,
                backup_payment_method=backup_card,
            )
        )

    def wait_for_budget(self, until: datetime, reason: str) -> None:
        """Not sent: the card has no room in its retry budget until `until`. The lease is
        given back, so whichever process claims it then sends it, with the same key."""
        self._require_pending()
        self.not_before, self.held_reason = until, reason
        self.lease_owner = self.lease_expires_at = None

    def cancel(self, at: datetime) -> None:
        """Not charged after all: the invoice was paid or closed while this waited."""
        self._require_pending()
        self.status, self.settled_at = AttemptStatus.CANCELED, at

    def _require_pending(self) -> None:
        if self.status is not AttemptStatus.PENDING:
            raise InvalidTransition("payment attempt", self.status.value, "settle")
