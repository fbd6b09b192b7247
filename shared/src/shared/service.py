"""One running service: HTTP API, Kafka consumers and the outbox relay in one process.

Each service's `bootstrap.py` builds a `Service` from its settings; entry points only
start it. Start-up order matters: consumers are registered before the broker starts, the
relay starts after the broker is connected, and shutdown runs the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import TestClock
from shared.http.errors import install_error_handlers
from shared.http.openapi import install_openapi
from shared.http.page_headers import PagePolicy, install_page_headers
from shared.http.ports import ensure_port_free
from shared.http.probes import (
    ReadinessCheck,
    check_readiness,
    install_request_metrics,
    probes_router,
)
from shared.http.scrape import Reading, ScrapeReadings
from shared.http.unstorable import refuse_unstorable_text
from shared.infrastructure import Infrastructure
from shared.messaging.consumer import EventConsumer
from shared.messaging.lag import ConsumerLag
from shared.messaging.reachable import ensure_broker_reachable
from shared.outbox.relay import OutboxRelay
from shared.periodic import PeriodicWork
from shared.readiness import ServiceReadiness
from shared.settings import ServiceSettings
from shared.test_clock import ClockParticipant, ClockStore, DatabaseFacts, Registrar, participant_router
from shared.test_clock.participant import consumer_topics
from shared.tracing import instrument_app
from shared.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

BATCH_WAIT_MS = 10
"""How long a consumer's poll of its fetched messages waits before it reports none.
FastStream then sleeps as long again before the next poll, so a message that arrives
while a consumer sits idle waits up to twice this on top of the fetch itself. The
fetching goes on in the background meanwhile (`KAFKA_FETCH_MAX_WAIT_MS`): a short wait
here costs a cheap wake-up, not a request to the broker."""


KEEP_ALIVE_S = 75

W = TypeVar("W", bound=SqlUnitOfWork)
S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Service(Generic[W, S]):
    """`W` is the service's own unit of work and `S` its own settings, so a test that
    drives a use case with `service.unit_of_work`, or reads `service.settings`, is
    type-checked against that service's repositories and fields."""

    name: str
    settings: S
    port: int
    infra: Infrastructure
    unit_of_work: Callable[[], W]
    consumers: Sequence[EventConsumer] = ()
    routers: Sequence[APIRouter] = ()
    workers: Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = ()
    due_work: Callable[[], Awaitable[int]] | None = None
    next_due: Callable[[], Awaitable[datetime | None]] | None = None
    schedulers: Sequence[PeriodicWork] = ()
    """Woken when time moves, and nudged when a consumer processed events: either can make
    work due now, which should not wait for the scheduler's next interval."""
    clock_registration: Callable[[], Awaitable[None]] | None = None
    """With `CLOCK=test`: how this instance tells the coordinator it takes part."""
    pages: Sequence[str] = ()
    """Path prefixes of the HTML pages people read; they get `page_policy`'s headers."""
    page_policy: PagePolicy = field(default_factory=PagePolicy)
    readings: Mapping[str, Reading] = field(default_factory=dict)
    """The service's own gauges read at scrape time, besides outbox, lag and readiness."""
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @cached_property
    def clock_participant(self) -> ClockParticipant | None:
        """Present with `CLOCK=test`: lets the coordinator set and observe this service."""
        infra, clock = self.infra, self.infra.clock
        if not isinstance(clock, TestClock):
            return None
        facts = DatabaseFacts(
            infra.engine,
            infra.counts,
            self.relay.pending,
            consumer_topics(self.consumers),
            lambda: self.relay.healing,
        )
        participant = ClockParticipant(
            clock,
            facts,
            self.due_work,
            self.next_due,
            service=self.name,
            store=ClockStore(infra.engine, infra.tables.clock),
        )
        participant.listeners.extend([*(s.wake for s in self.schedulers), self.relay.wake])
        return participant

    @property
    def engine(self) -> AsyncEngine:
        return self.infra.engine

    @property
    def broker(self) -> KafkaBroker:
        return self.infra.broker

    @property
    def relay(self) -> OutboxRelay:
        return self.infra.relay

    @cached_property
    def readiness(self) -> ServiceReadiness:
        return ServiceReadiness(self.name, self.infra)

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return self.readiness.checks()

    @cached_property
    def consumer_lag(self) -> ConsumerLag:
        groups = {consumer.name: consumer.topic.value for consumer in self.consumers}
        return ConsumerLag(self.settings.kafka_bootstrap_servers, groups)

    @cached_property
    def scrape_readings(self) -> ScrapeReadings:
        async def outbox() -> None:
            await self.relay.measure_backlog(self.infra.clock.now())

        async def readiness() -> None:
            await check_readiness(self.readiness_checks())

        own = {"outbox": outbox, "readiness": readiness, "consumer_lag": self.consumer_lag.measure}
        return ScrapeReadings({**own, **self.readings})

    async def start(self) -> None:
        participant = self.clock_participant
        if participant is not None:
            await participant.restore()  # before any work: it must run at the simulated time
            if self.clock_registration is not None:
                registrar = Registrar(self.clock_registration, participant)
                self._tasks.append(
                    asyncio.create_task(registrar.run(self._stop), name="test-clock-registration")
                )
        for consumer in self.consumers:
            consumer.listeners.extend(s.nudge for s in self.schedulers)
            consumer.subscribe(
                self.broker,
                group_id=consumer.name,
                session_timeout_ms=self.settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=max(100, self.settings.kafka_session_timeout_ms // 6),
                fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
                batch_timeout_ms=BATCH_WAIT_MS,
            )
        await self.broker.start()
        if self.settings.outbox_relay == "embedded":
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"))
        for worker in self.workers:
            self._tasks.append(asyncio.create_task(worker(self._stop)))
        # What exists once the service is up (modules, schemas, compiled statements, pools)
        # lives as long as the process: the garbage collector's full passes stop looking at
        # it. Each pass had walked every one of those objects, and a consumer applying a
        # thousand events a batch made the collector run full passes often enough to cost
        # a quarter of its CPU. Only the cycle collector ignores them; stop() hands them back.
        gc.freeze()

    async def stop(self) -> None:
        gc.unfreeze()
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        await self.broker.stop()
        await self.relay.close()
        with contextlib.suppress(Exception, asyncio.TimeoutError):  # a broker that is gone holds no one up
            await asyncio.wait_for(self.consumer_lag.stop(), timeout=5)
        await self.engine.dispose()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        log.info("service started", extra={"port": self.port})
        try:
            yield
        finally:
            await self.stop()

    def app(self) -> FastAPI:
        app = FastAPI(
            title=f"{self.name} service",
            version="1.0.0",
            lifespan=self.lifespan,
            dependencies=[Depends(refuse_unstorable_text)],
        )
        install_error_handlers(app)
        install_openapi(app)
        if self.pages:
            install_page_headers(app, self.pages, self.page_policy)
        install_request_metrics(app)
        instrument_app(app)
        app.include_router(probes_router(self.readiness_checks(), self.scrape_readings))
        for router in self.routers:
            app.include_router(router)
        if self.clock_participant is not None:
            app.include_router(participant_router(self.clock_participant, self.infra.keys))
        return app

    def serve(self) -> None:
        """Run until SIGINT/SIGTERM; refuses clearly if the port is taken or no broker answers."""
        ensure_port_free(self.settings.bind_host, self.port, f"{self.name.upper()}_PORT")
        ensure_broker_reachable(self.settings.kafka_bootstrap_servers)
        config = uvicorn.Config(
            self.app(),
            host=self.settings.bind_host,
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            # Longer than the idle timeout of the load balancers and clients in front of us,
            # so that we are not the side closing a kept-alive connection as a request
            # arrives on it (the client then sees a reset, not an answer).
            timeout_keep_alive=KEEP_ALIVE_S,
        )
        uvicorn.Server(config).run()
