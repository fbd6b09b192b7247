"""The billing run on PostgreSQL: a renewal day of N due subscriptions, timed in two
steps, against raw write baselines taken on the same server in the same repetition.

(a) invoicing and queueing: `run_until_done`, in the scheduler's batches; (b) collecting:
`collect_pending` on the simulated gateway with its SQL ledger, as `bootstrap` builds
it (no latency). Each repetition gets a fresh database; wall time and this process's CPU
time (`time.process_time`) are measured per step. PostgreSQL's own CPU is not in the
CPU figures.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select, text

from benchmarks import baselines
from benchmarks.billing_setup import NOW, write_due_base
from billing.adapters.gateways.simulated import SimulatedGateway
from billing.adapters.orm import invoices
from billing.adapters.unit_of_work import SqlBillingUnitOfWork
from billing.bootstrap import bootstrap, gateway_for
from billing.service_layer.billing_run import RunDueWork, run_until_done
from billing.service_layer.collection import IN_FLIGHT, collect_pending
from billing.service_layer.leases import ChargeLeases
from billing.settings import BillingSettings
from shared.clock import TestClock
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.service import Service
from shared.testing.databases import DatabaseFactory
from shared.testing.services import settings_for

BATCH_SIZE = RunDueWork().batch_size  # what the scheduler's `RunDueWork()` asks for
T = TypeVar("T")


@dataclass
class Repetition:
    batched_rows_s: float
    single_commits_s: float
    setup_s: float
    invoicing_s: float
    invoicing_cpu_s: float
    collecting_s: float
    collecting_cpu_s: float
    renewals: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def renewals_s(self) -> float:
        return self.renewals / self.invoicing_s

    @property
    def charges_s(self) -> float:
        return self.renewals / self.collecting_s


async def timed(step: Callable[[], Awaitable[T]]) -> tuple[T, float, float]:
    """The step's answer, its wall seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    answer = await step()
    return answer, time.perf_counter() - wall, time.process_time() - cpu


def _service(
    database_url: str,
) -> tuple[Service[SqlBillingUnitOfWork, BillingSettings], BillingSettings, TestClock]:
    settings = settings_for(BillingSettings, BILLING_DATABASE_URL=database_url)
    clock = TestClock(NOW)
    return bootstrap(settings, clock=clock), settings, clock


async def _paid(service: Service[SqlBillingUnitOfWork, BillingSettings]) -> int:
    async with service.engine.connect() as conn:
        query = select(func.count()).where(invoices.c.status == "paid")
        return int((await conn.execute(query)).scalar_one())


async def _measure(
    service: Service[SqlBillingUnitOfWork, BillingSettings],
    settings: BillingSettings,
    clock: TestClock,
    n: int,
    sample: int,
) -> Repetition:
    load_before = os.getloadavg()
    uow = service.infra.unit_of_work(SqlBillingUnitOfWork)
    gateway = gateway_for(settings, clock, service.engine)
    assert isinstance(gateway, SimulatedGateway)
    assert not gateway.latency
    leases = ChargeLeases(length=timedelta(seconds=settings.charge_lease_seconds))
    batched = await baselines.batched_inserts(service.engine, n)
    single = await baselines.single_commits(service.engine, sample)
    _, setup_s, _ = await timed(lambda: write_due_base(service.engine, uow, gateway, n))
    async with service.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))  # as autovacuum would have, after a month of sign-ups
    report, invoicing_s, invoicing_cpu = await timed(lambda: run_until_done(uow, batch_size=BATCH_SIZE))
    assert report.renewals == n, f"{report.renewals} of {n} renewed"
    assert len(report.queued_attempts) == n, f"{len(report.queued_attempts)} of {n} charges queued"
    collected, collecting_s, collecting_cpu = await timed(
        lambda: collect_pending(uow, gateway, leases, concurrency=IN_FLIGHT)
    )
    assert collected == n, f"{collected} of {n} charges settled"
    assert await _paid(service) == n
    return Repetition(
        batched, single, setup_s, invoicing_s, invoicing_cpu, collecting_s, collecting_cpu, n,
        load_before, os.getloadavg(),
    )  # fmt: skip


async def repetition(server: str, n: int, sample: int) -> Repetition:
    """One repetition on a fresh database, dropped afterwards."""
    databases = DatabaseFactory("postgres", Path(tempfile.gettempdir()), server)
    try:
        service, settings, clock = _service(await databases.new("bench_billing"))
        try:
            await upgrade(service.engine, "billing")
            return await _measure(service, settings, clock, n, sample)
        finally:
            await service.engine.dispose()
    finally:
        await databases.drop_all()


async def server_version(server: str) -> str:
    engine = create_engine(server)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SELECT version()"))).scalar_one())
    finally:
        await engine.dispose()


async def run(server: str, n: int, runs: int, sample: int) -> list[Repetition]:
    done = []
    for i in range(runs):
        done.append(await repetition(server, n, sample))
        r = done[-1]
        print(
            f"  run {i + 1}/{runs}: {r.renewals_s:,.0f} renewals/s, {r.charges_s:,.0f} charges/s "
            f"(set-up {r.setup_s:.0f}s, load {r.load_before[0]:.2f} → {r.load_after[0]:.2f})",
            flush=True,
        )
    return done
