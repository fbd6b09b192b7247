"""What the routes need, wired once in `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import MessageBus
from shared.clock import Clock
from shared.http.auth import ApiKeys
from shared.http.idempotency import IdempotentRequests
from shared.portal_tokens import PortalTokenVerifier


@dataclass(frozen=True)
class ApiContext:
    bus: MessageBus[BillingUnitOfWork]
    keys: ApiKeys
    idempotency: IdempotentRequests
    clock: Clock
    verifier: PortalTokenVerifier | None = None
