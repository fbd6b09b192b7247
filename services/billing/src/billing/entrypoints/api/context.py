"""What the routes need, wired once in `bootstrap.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing.adapters.gateways.port import PaymentGateway
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import MessageBus
from shared.clock import Clock
from shared.http.auth import ApiKeys
from shared.http.idempotency import IdempotentRequests
from shared.portal_tokens import PortalTokenVerifier


@dataclass(frozen=True)
class ApiContext:
    bus: MessageBus[BillingUnitOfWork]
    uow: Callable[[], BillingUnitOfWork]
    gateway: PaymentGateway
    keys: ApiKeys
    idempotency: IdempotentRequests
    clock: Clock
    leases: ChargeLeases
    verifier: PortalTokenVerifier | None = None
