"""Wires billing together: settings in, a runnable `Service` out.

Tests call `bootstrap(settings, clock=TestClock())` to get the same wiring with their
own database and clock.
"""

from __future__ import annotations

from billing.adapters import orm
from billing.entrypoints.http import customers_router
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.settings import BillingSettings
from shared.clock import Clock
from shared.infrastructure import build_infrastructure
from shared.service import Service


def bootstrap(settings: BillingSettings, *, clock: Clock | None = None) -> Service:
    infra = build_infrastructure("billing", settings, settings.database_url, orm.messaging, clock)
    unit_of_work = infra.unit_of_work(BillingUnitOfWork)
    return Service(
        name="billing",
        settings=settings,
        port=settings.port,
        infra=infra,
        unit_of_work=unit_of_work,
        routers=[customers_router(unit_of_work, infra.keys)],
    )
