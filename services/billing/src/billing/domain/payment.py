"""Payment attempts: one gateway call each, keyed by an idempotency key.

The attempt is stored as `pending` before the gateway is called and settled after, so
a crash in between leaves a record that is resolved by charging again with the same
key: the gateway answers with the first outcome instead of charging twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from billing.domain.errors import InvalidTransition
from shared.contracts.base import EventData
from shared.contracts.billing import ChargeContext, PaymentFailed, PaymentSucceeded
from shared.money import Money


class AttemptStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


def new_attempt_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


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
    ) -> PaymentAttempt:
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
        self, *, decline_code: str, message: str | None, gateway_reference: str | None, at: datetime
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
            )
        )

    def cancel(self, at: datetime) -> None:
        """Not charged after all: the invoice was paid or closed while this waited."""
        self._require_pending()
        self.status, self.settled_at = AttemptStatus.CANCELED, at

    def _require_pending(self) -> None:
        if self.status is not AttemptStatus.PENDING:
            raise InvalidTransition("payment attempt", self.status.value, "settle")
