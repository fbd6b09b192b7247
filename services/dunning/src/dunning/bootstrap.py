"""Wires dunning together: settings in, a runnable `Service` out."""

from __future__ import annotations

from pathlib import Path

from dunning.adapters import orm
from dunning.adapters.mailer import FileMailer, Mailer, SmtpMailer
from dunning.entrypoints.consumers import billing_events_consumer
from dunning.entrypoints.notifier import notifier_consumer
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from dunning.settings import DunningSettings
from shared.clock import Clock
from shared.customer_directory import customer_profiles_router
from shared.infrastructure import build_infrastructure
from shared.service import Service


def mailer_for(settings: DunningSettings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    return FileMailer(Path(settings.mail_dir), settings.mail_from)


def bootstrap(settings: DunningSettings, *, clock: Clock | None = None) -> Service:
    infra = build_infrastructure("dunning", settings, settings.database_url, orm.messaging, clock)
    unit_of_work = infra.unit_of_work(DunningUnitOfWork)
    return Service(
        name="dunning",
        settings=settings,
        port=settings.port,
        infra=infra,
        unit_of_work=unit_of_work,
        consumers=[
            billing_events_consumer(unit_of_work, infra.dead_letters),
            notifier_consumer(mailer_for(settings), infra.dead_letters),
        ],
        routers=[customer_profiles_router(orm.customer_profiles, infra.sessions, infra.keys)],
    )
