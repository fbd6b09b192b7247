"""A customer's card on file: only the gateway's reference and what a person may see.

Card numbers never reach this system; the gateway keeps them. We keep brand, last four
digits and expiry, to show the customer and to warn once before the card expires.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from shared.contracts.base import EventData
from shared.contracts.billing import PaymentMethodExpiring, PaymentMethodUpdated

HEADS_UP_BEFORE_EXPIRY = timedelta(days=30)
Source = Literal["customer", "card_updater", "admin"]


def new_payment_method_id() -> str:
    return f"pm_{secrets.token_hex(12)}"


@dataclass
class PaymentMethod:
    id: str
    customer_id: str
    gateway_payment_method: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool
    created_at: datetime
    expiring_notice_sent_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def add_default(
        cls,
        *,
        customer_id: str,
        gateway_payment_method: str,
        brand: str,
        last4: str,
        exp_month: int,
        exp_year: int,
        source: Source,
        now: datetime,
    ) -> PaymentMethod:
        method = cls.add_backup(
            customer_id=customer_id,
            gateway_payment_method=gateway_payment_method,
            brand=brand,
            last4=last4,
            exp_month=exp_month,
            exp_year=exp_year,
            now=now,
        )
        method.become_default(source)
        return method

    @classmethod
    def add_backup(
        cls,
        *,
        customer_id: str,
        gateway_payment_method: str,
        brand: str,
        last4: str,
        exp_month: int,
        exp_year: int,
        now: datetime,
    ) -> PaymentMethod:
        """A card kept beside the default: charged only when dunning asks for it."""
        return cls(
            id=new_payment_method_id(),
            customer_id=customer_id,
            gateway_payment_method=gateway_payment_method,
            brand=brand,
            last4=last4,
            exp_month=exp_month,
            exp_year=exp_year,
            is_default=False,
            created_at=now,
        )

    def become_default(self, source: Source) -> None:
        """Announced like a new card: dunning retries an open case on it at once."""
        self.is_default = True
        self._announce(source)

    def announce_backup(self, source: Source) -> None:
        """A backup is news too: a case whose default is dead may be retried on it."""
        self._announce(source)

    def _announce(self, source: Source) -> None:
        self.events.append(
            PaymentMethodUpdated(
                customer_id=self.customer_id,
                payment_method_id=self.id,
                brand=self.brand,
                last4=self.last4,
                exp_month=self.exp_month,
                exp_year=self.exp_year,
                source=source,
                gateway_payment_method=self.gateway_payment_method,
                is_default=self.is_default,
            )
        )

    @property
    def expires_on(self) -> date:
        """Cards are valid through the last day of their expiry month."""
        return date(self.exp_year, self.exp_month, calendar.monthrange(self.exp_year, self.exp_month)[1])

    def needs_expiry_heads_up(self, now: datetime) -> bool:
        """Once, within 30 days before a default card expires (pre-dunning)."""
        if not self.is_default or self.expiring_notice_sent_at is not None:
            return False
        end = datetime.combine(self.expires_on, datetime.max.time(), UTC)
        return end - HEADS_UP_BEFORE_EXPIRY <= now <= end

    def announce_expiry(self, now: datetime) -> None:
        self.expiring_notice_sent_at = now
        self.events.append(
            PaymentMethodExpiring(
                customer_id=self.customer_id,
                payment_method_id=self.id,
                brand=self.brand,
                last4=self.last4,
                exp_month=self.exp_month,
                exp_year=self.exp_year,
                expires_on=self.expires_on,
            )
        )
