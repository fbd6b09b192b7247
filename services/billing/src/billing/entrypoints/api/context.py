"""What the routes need, wired once in `bootstrap.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing.adapters.gateways.port import PaymentGateway
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.http.auth import ApiKeys
from shared.http.idempotency import IdempotentRequests


@dataclass(frozen=True)
class ApiContext:
    uow: Callable[[], BillingUnitOfWork]
    gateway: PaymentGateway
    keys: ApiKeys
    idempotency: IdempotentRequests
