"""The payment gateway port: what billing needs from Stripe or the simulator.

Billing never sees a card number: it hands the gateway a payment method reference and
gets back brand, last four digits and expiry. Every charge carries an idempotency key,
so repeating a charge after a timeout or crash can never charge twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from shared.money import Money


@dataclass(frozen=True)
class CardDetails:
    gateway_payment_method: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class ChargeRequest:
    idempotency_key: str
    gateway_customer: str
    gateway_payment_method: str
    amount: Money
    description: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    gateway_reference: str | None
    decline_code: str | None
    decline_message: str | None


class GatewayUnavailable(Exception):
    """The outcome is unknown even after retries; charge again later with the same key."""


class PaymentMethodRejected(Exception):
    def __init__(self, message: str, decline_code: str | None = None) -> None:
        super().__init__(message)
        self.decline_code = decline_code


class CardSetupUnavailable(Exception):
    """This gateway takes no card details from a browser (the simulator knows test ids only)."""


@dataclass(frozen=True)
class CardUpdate:
    """The card network's replacement for an expired card on one customer."""

    gateway_customer: str
    old_payment_method: str
    new_card: CardDetails


@runtime_checkable
class CardUpdater(Protocol):
    """The card networks' account updater: replacement cards as they arrive."""

    async def due_card_updates(self, now: datetime) -> list[CardUpdate]:
        """Replacements delivered by `now`; each is handed out once."""
        ...


class PaymentGateway(Protocol):
    name: str

    async def register_customer(self, customer_id: str, email: str, name: str) -> str: ...

    async def attach_payment_method(self, gateway_customer: str, payment_method: str) -> CardDetails: ...

    async def charge(self, request: ChargeRequest) -> ChargeResult: ...

    async def start_card_setup(self, gateway_customer: str) -> str:
        """A client secret with which the customer's browser hands a new card to the gateway.

        The card number goes from the browser straight to the gateway (Stripe Elements);
        billing only ever sees the payment method id that comes back.
        """
        ...
