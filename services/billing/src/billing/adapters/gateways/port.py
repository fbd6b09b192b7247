"""The payment gateway port: what billing needs from Stripe or the simulator.

Billing never sees a card number: it hands the gateway a payment method reference and
gets back brand, last four digits and expiry. Every charge carries an idempotency key,
so repeating a charge after a timeout or crash can never charge twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


class PaymentGateway(Protocol):
    name: str

    async def register_customer(self, customer_id: str, email: str, name: str) -> str: ...

    async def attach_payment_method(self, gateway_customer: str, payment_method: str) -> CardDetails: ...

    async def charge(self, request: ChargeRequest) -> ChargeResult: ...
