"""Wires dunning together: settings in, a runnable `Service` out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dunning.adapters import orm
from dunning.adapters.case_counts import measure_cases
from dunning.adapters.case_queries import FinanceQueries
from dunning.adapters.mailer import FileMailer, Mailer, SmtpMailer
from dunning.adapters.pause_client import PauseClient
from dunning.adapters.portal_links import BillingRecoverySessions
from dunning.adapters.unit_of_work import SqlDunningUnitOfWork
from dunning.entrypoints.api.case_access import CaseAccess
from dunning.entrypoints.api.customer_cases import customer_cases_router
from dunning.entrypoints.api.finance import finance_router
from dunning.entrypoints.api.recovery import recovery_router
from dunning.entrypoints.consumers import billing_events_consumer
from dunning.entrypoints.notifier import notifier_consumer
from dunning.entrypoints.scheduler import DunningScheduler
from dunning.entrypoints.web.dashboard import DashboardAccess, dashboard_router
from dunning.entrypoints.web.finance_session import FinanceSessions
from dunning.service_layer.handlers import dunning_bus
from dunning.service_layer.recovery import RecoveryLinks
from dunning.settings import DunningSettings
from shared.clock import Clock
from shared.customers.routes import customer_profiles_router
from shared.http.auth import ApiKeys
from shared.infrastructure import build_infrastructure
from shared.mail.writer import MessageWriter
from shared.portal_tokens import PortalTokenVerifier
from shared.service import Service
from shared.test_clock import http_registration


def mailer_for(settings: DunningSettings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    return FileMailer(Path(settings.mail_dir), settings.mail_from)


def dashboard_access(settings: DunningSettings, keys: ApiKeys) -> DashboardAccess:
    """Cookies go only over HTTPS outside development, where a proxy may end TLS in
    front of us and the request itself looks like plain HTTP."""
    sessions = FinanceSessions(settings.finance_api_key, timedelta(hours=settings.dashboard_session_hours))
    return DashboardAccess(keys, sessions, settings.finance_api_key, settings.app_env != "development")


def bootstrap(
    settings: DunningSettings, *, clock: Clock | None = None
) -> Service[SqlDunningUnitOfWork, DunningSettings]:
    infra = build_infrastructure("dunning", settings, settings.database_url, orm.messaging, clock)
    unit_of_work = infra.unit_of_work(SqlDunningUnitOfWork)
    book = settings.policy_book()
    queries = FinanceQueries(infra.engine, settings.card_retry_budget_per_30_days)
    sessions = BillingRecoverySessions(settings.billing_url, settings.admin_api_key)
    links = RecoveryLinks(settings.portal_base_url, sessions)
    bus = dunning_bus(
        unit_of_work,
        book=book,
        links=links,
        mailer=mailer_for(settings),
        writer=MessageWriter(settings.brand_name),
    )
    verifier = PortalTokenVerifier(settings.portal_public_key) if settings.portal_public_key else None
    scheduler = DunningScheduler(bus, interval=0.5 if settings.clock == "test" else 30.0)
    service = Service(
        name="dunning",
        settings=settings,
        port=settings.port,
        infra=infra,
        unit_of_work=unit_of_work,
        consumers=[
            billing_events_consumer(bus, infra.dead_letters),
            notifier_consumer(bus, infra.dead_letters),
        ],
        routers=[
            customer_profiles_router(orm.customer_profiles, infra.engine, infra.keys),
            finance_router(queries, infra.keys),
            customer_cases_router(CaseAccess(bus, infra.keys, verifier, infra.clock), queries),
            recovery_router(bus, infra.keys),
            dashboard_router(
                queries, PauseClient(settings.pause_url), dashboard_access(settings, infra.keys)
            ),
        ],
        workers=[scheduler.run],
        due_work=scheduler.due_work,
        next_due=scheduler.next_due_at,
        schedulers=[scheduler],
        pages=["/dashboard"],
        readings={"dunning_cases": lambda: measure_cases(infra.engine)},
    )
    if service.clock_participant is not None:
        service.clock_registration = http_registration(
            settings.billing_url, settings.admin_api_key, "dunning", settings.own_url(settings.port)
        )
    return service
