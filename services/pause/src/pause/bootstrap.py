"""Wires pause together: settings in, a runnable `Service` out."""

from __future__ import annotations

from pause.adapters import orm
from pause.entrypoints.consumers import billing_events_consumer
from pause.service_layer.unit_of_work import PauseUnitOfWork
from pause.settings import PauseSettings
from shared.clock import Clock
from shared.customer_directory import customer_profiles_router
from shared.infrastructure import build_infrastructure
from shared.service import Service


def bootstrap(settings: PauseSettings, *, clock: Clock | None = None) -> Service:
    infra = build_infrastructure("pause", settings, settings.database_url, orm.messaging, clock)
    unit_of_work = infra.unit_of_work(PauseUnitOfWork)
    return Service(
        name="pause",
        settings=settings,
        port=settings.port,
        infra=infra,
        unit_of_work=unit_of_work,
        consumers=[billing_events_consumer(unit_of_work, infra.dead_letters)],
        routers=[customer_profiles_router(orm.customer_profiles, infra.sessions, infra.keys)],
    )
