"""Wires billing together: settings in, a runnable `Service` out.

Tests call `bootstrap(settings, clock=TestClock(), gateway=...)` to get the same wiring
with their own database, clock and gateway.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters import orm
from billing.adapters.gateways.port import CardUpdater, PaymentGateway
from billing.adapters.unit_of_work import SqlBillingUnitOfWork
from billing.adapters.webhook_log import WebhookLog
from billing.domain.retry_budget import RetryBudget
from billing.entrypoints.api.context import ApiContext
from billing.entrypoints.api.customers import customers_router
from billing.entrypoints.api.invoices import invoices_router
from billing.entrypoints.api.plans import plans_router
from billing.entrypoints.api.portal import portal_router
from billing.entrypoints.api.subscriptions import subscriptions_router
from billing.entrypoints.api.webhooks import webhooks_router
from billing.entrypoints.consumers import billing_consumers
from billing.entrypoints.scheduler import BillingScheduler
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.registry import billing_bus
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.settings import BillingSettings
from shared.bus import MessageBus
from shared.clock import Clock
from shared.http.idempotency import IdempotentRequests
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.portal_tokens import PortalTokenSigner, PortalTokenVerifier
from shared.service import Service
from shared.test_clock import ClockCoordinator, SqlClockBook, coordinator_router


def gateway_for(settings: BillingSettings, clock: Clock, engine: AsyncEngine) -> PaymentGateway:
    if settings.payment_gateway == "stripe":
        from billing.adapters.gateways.stripe import StripeGateway

        assert settings.stripe_api_key is not None
        return StripeGateway(settings.stripe_api_key, settings.stripe_api_base)
    from billing.adapters.gateways.simulated import SimulatedGateway
    from billing.adapters.gateways.simulated_sql_ledger import SqlLedger

    delay = settings.card_updater_delay_days
    return SimulatedGateway(
        clock=clock,
        card_updater_delay=timedelta(days=delay) if delay is not None else None,
        ledger=SqlLedger(engine),
        latency=timedelta(milliseconds=settings.simulated_gateway_latency_ms),
    )


def card_updater_of(gateway: PaymentGateway) -> CardUpdater | None:
    """The simulated gateway plays the network's account updater; Stripe's arrive as webhooks."""
    return gateway if isinstance(gateway, CardUpdater) else None


def bootstrap(
    settings: BillingSettings, *, clock: Clock | None = None, gateway: PaymentGateway | None = None
) -> Service[SqlBillingUnitOfWork, BillingSettings]:
    infra = build_infrastructure("billing", settings, settings.database_url, orm.messaging, clock)
    unit_of_work = infra.unit_of_work(SqlBillingUnitOfWork)
    gateway = gateway or gateway_for(settings, infra.clock, infra.engine)
    budget = RetryBudget(settings.card_retry_budget_per_day, settings.card_retry_budget_per_30_days)
    leases = ChargeLeases(length=timedelta(seconds=settings.charge_lease_seconds), budget=budget)
    bus = billing_bus(unit_of_work, gateway, leases, concurrency=settings.gateway_concurrency)
    scheduler = BillingScheduler(
        bus,
        infra.clock,
        card_updater=card_updater_of(gateway),
        interval=0.5 if settings.clock == "test" else 5.0,
    )
    service = Service(
        name="billing",
        settings=settings,
        port=settings.port,
        infra=infra,
        unit_of_work=unit_of_work,
        consumers=billing_consumers(bus, infra.dead_letters),
        routers=_routers(settings, infra, bus),
        workers=[scheduler.run],
        due_work=scheduler.due_work,
        next_due=scheduler.next_due_at,
        schedulers=[scheduler],
    )
    if service.clock_participant is not None:
        _coordinate_the_test_clock(service, settings, infra, leases.owner)
    return service


def _routers(
    settings: BillingSettings, infra: Infrastructure, bus: MessageBus[BillingUnitOfWork]
) -> list[APIRouter]:
    ctx = ApiContext(
        bus=bus,
        keys=infra.keys,
        idempotency=IdempotentRequests(infra.engine, orm.idempotent_requests, infra.clock),
        clock=infra.clock,
        verifier=PortalTokenVerifier(settings.portal_public_key) if settings.portal_public_key else None,
    )
    signer = (
        PortalTokenSigner(settings.portal_signing_key, timedelta(minutes=settings.portal_session_minutes))
        if settings.portal_signing_key
        else None
    )
    return [
        customers_router(ctx),
        plans_router(ctx),
        subscriptions_router(ctx),
        invoices_router(ctx),
        portal_router(ctx, signer, settings.portal_base_url),
        webhooks_router(ctx, WebhookLog(infra.engine), settings.stripe_webhook_secret, infra.clock),
    ]


def _coordinate_the_test_clock(
    service: Service[SqlBillingUnitOfWork, BillingSettings],
    settings: BillingSettings,
    infra: Infrastructure,
    owner: str,
) -> None:
    """Billing moves the test clock for everyone: it holds the advance record and asks
    every registered participant, replicas included, to follow."""
    assert service.clock_participant is not None
    book = SqlClockBook(infra.engine, orm.clock_advance, orm.clock_participants)
    own_url = settings.own_url(settings.port)
    coordinator = ClockCoordinator(
        service.clock_participant,
        [settings.dunning_url, settings.pause_url],
        settings.admin_api_key,
        book=book,
        own_url=own_url,
        owner=owner,
    )
    service.routers = [*service.routers, coordinator_router(coordinator, infra.keys)]
    service.workers = [*service.workers, coordinator.supervise]

    async def register() -> None:
        await book.register("billing", own_url)

    service.clock_registration = register
