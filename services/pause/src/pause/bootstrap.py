"""Wires pause together: settings in, a runnable `Service` out."""

from __future__ import annotations

from fastapi import APIRouter

from pause.adapters import orm
from pause.adapters.billing_client import BillingClient
from pause.adapters.billing_wallet import BillingWallet
from pause.adapters.recovery_client import DunningRecoveryClient
from pause.adapters.report import PauseReports
from pause.adapters.unit_of_work import SqlPauseUnitOfWork
from pause.entrypoints.api.auth import principal_dependency
from pause.entrypoints.api.pauses import pauses_router
from pause.entrypoints.api.report import report_router
from pause.entrypoints.consumers import pause_consumers
from pause.entrypoints.scheduler import PauseScheduler
from pause.entrypoints.web.billing_cards import BillingCards
from pause.entrypoints.web.billing_invoices import BillingInvoices
from pause.entrypoints.web.card_entry import StripeCardEntry, card_entry_policy
from pause.entrypoints.web.portal import PortalLook, portal_router
from pause.service_layer.customer_messages import CustomerMail
from pause.service_layer.handlers import Bus, pause_bus
from pause.settings import PauseSettings
from shared.clock import Clock
from shared.customers.routes import customer_profiles_router
from shared.http.idempotency import IdempotentRequests
from shared.http.page_headers import PagePolicy
from shared.infrastructure import build_infrastructure
from shared.mail.writer import MessageWriter
from shared.portal_links import BillingPortalLinks
from shared.portal_tokens import PortalTokenVerifier
from shared.service import Service
from shared.test_clock import http_registration


def _portal(
    settings: PauseSettings,
    bus: Bus,
    verifier: PortalTokenVerifier | None,
    clock: Clock,
    card_entry: StripeCardEntry | None,
) -> APIRouter:
    """The portal's pages, with what they read from billing and dunning."""
    billing = BillingClient(settings.billing_url)
    return portal_router(
        bus,
        verifier,
        clock,
        BillingCards(billing),
        DunningRecoveryClient(settings.dunning_url, settings.admin_api_key),
        card_entry,
        BillingWallet(settings.billing_url),
        look=PortalLook(settings.brand_name, *settings.seller()),
        invoices=BillingInvoices(billing),
    )


def bootstrap(
    settings: PauseSettings, *, clock: Clock | None = None
) -> Service[SqlPauseUnitOfWork, PauseSettings]:
    infra = build_infrastructure("pause", settings, settings.database_url, orm.messaging, clock)
    unit_of_work = infra.unit_of_work(SqlPauseUnitOfWork)
    links = BillingPortalLinks(settings.billing_url, settings.admin_api_key, fallback_url="")
    bus = pause_bus(
        unit_of_work, settings.policies(), CustomerMail(MessageWriter(settings.brand_name), links)
    )
    scheduler = PauseScheduler(bus, interval=0.5 if settings.clock == "test" else 5.0)
    verifier = PortalTokenVerifier(settings.portal_public_key) if settings.portal_public_key else None
    who = principal_dependency(infra.keys, verifier, infra.clock)
    idempotency = IdempotentRequests(infra.engine, orm.idempotent_requests, infra.clock)
    key = settings.stripe_publishable_key
    card_entry = StripeCardEntry(key, settings.stripe_js_url) if key else None
    service = Service(
        name="pause",
        settings=settings,
        port=settings.port,
        infra=infra,
        unit_of_work=unit_of_work,
        consumers=pause_consumers(bus, infra.dead_letters),
        routers=[
            customer_profiles_router(orm.customer_profiles, infra.engine, infra.keys),
            pauses_router(bus, who, idempotency),
            report_router(PauseReports(infra.engine), infra.keys, infra.clock),
            _portal(settings, bus, verifier, infra.clock, card_entry),
        ],
        workers=[scheduler.run],
        due_work=scheduler.due_work,
        next_due=scheduler.next_due_at,
        schedulers=[scheduler],
        pages=["/portal"],
        page_policy=card_entry_policy(card_entry) if card_entry else PagePolicy(),
    )
    if service.clock_participant is not None:
        service.clock_registration = http_registration(
            settings.billing_url, settings.admin_api_key, "pause", settings.own_url(settings.port)
        )
    return service
