"""SIGKILL, at the worst moments: billing around a charge batch, dunning and pause mid-burst."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from shared.testing.databases import DatabaseFactory
from tests.faults.conftest import Record
from tests.faults.harness import LEASE_SECONDS, FaultStack, days, fault_stack
from tests.faults.invariants import check

pytestmark = [pytest.mark.stack, pytest.mark.broker, pytest.mark.postgres, pytest.mark.timeout(600)]
EXPIRED = "pm_card_chargeDeclinedExpiredCard"
A_MONTH = days(31) + 3600


async def until(
    look: Callable[[], Awaitable[bool]], timeout: float = 60, every: float = 0.01, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while not await look():
        assert time.monotonic() < deadline, f"the moment to strike never came: {what}"
        await asyncio.sleep(every)


async def attempts(stack: FaultStack, reason: str) -> dict[str, int]:
    rows = await stack.rows(
        "billing",
        "SELECT status, count(*) AS n FROM payment_attempts WHERE reason = $1 GROUP BY status",
        reason,
    )
    return {row["status"]: row["n"] for row in rows}


async def sent(stack: FaultStack) -> int:
    """Charges the gateway has seen: its ledger gets a row the moment one arrives."""
    return int((await stack.rows("billing", "SELECT count(*) AS n FROM simulated_gateway_charges"))[0]["n"])


async def queued_none_sent(stack: FaultStack, sent_before: int) -> bool:
    pending = (await attempts(stack, "renewal")).get("pending", 0)
    return pending > 0 and await sent(stack) == sent_before


async def some_sent_none_settled(stack: FaultStack, sent_before: int) -> bool:
    """Calls in flight: the gateway has some of the batch, none is settled yet (a batch
    is settled in one transaction once its calls are answered)."""
    pending = (await attempts(stack, "renewal")).get("pending", 0)
    return pending > 0 and await sent(stack) > sent_before


async def all_settled(stack: FaultStack, expected: int) -> bool:
    now = await attempts(stack, "renewal")
    return now.get("pending", 0) == 0 and sum(now.values()) >= expected


async def test_billing_killed_before_during_and_after_a_charge_batch(
    postgres: DatabaseFactory, tmp_path: Path, record: Record
) -> None:
    """Each renewal day billing is SIGKILLed at another moment of its charge batch: with the
    charges queued and none sent, with some in flight, and with all settled but (perhaps)
    not yet published. A restarted billing carries the clock's advance on, and sends the
    dead holder's charges again with their keys once its leases run out."""
    async with fault_stack(postgres, tmp_path, {"SIMULATED_GATEWAY_LATENCY_MS": "40"}) as stack:
        await stack.subscribers(["pm_card_visa"] * 45 + [EXPIRED] * 15)
        await stack.ready()
        recovery: dict[str, float] = {}
        before, renewals = await sent(stack), 0
        strikes = [
            ("before", lambda: queued_none_sent(stack, before)),
            ("during", lambda: some_sent_none_settled(stack, before)),
            ("after", lambda: all_settled(stack, renewals)),
        ]
        for month, (moment, ripe) in enumerate(strikes):
            renewals += 60 if month == 0 else 45
            await stack.advance(A_MONTH, wait=False)
            await until(ripe, what=moment)
            started = time.monotonic()
            await stack.restart("billing")
            await stack.ready()
            recovery[f"billing killed {moment} a charge batch"] = time.monotonic() - started
            before = await sent(stack)
        await stack.advance(days(5))

        checked = await check(stack, sends_at_most=2)
        record(
            "SIGKILL of billing before, during and after a charge batch",
            checked,
            recovery,
            lease_seconds=LEASE_SECONDS,
        )
        assert checked.problems == []
        assert checked.counts["successful_charges"] == 60 + 45 + 45 + 45


async def outbox_count(stack: FaultStack, service: str, event_type: str) -> int:
    rows = await stack.rows(
        service, "SELECT count(*) AS n FROM outbox_messages WHERE event_type = $1", event_type
    )
    return int(rows[0]["n"])


async def test_dunning_and_pause_killed_mid_burst(
    postgres: DatabaseFactory, tmp_path: Path, record: Record
) -> None:
    """A renewal day with many failures: dunning is SIGKILLed the moment billing has
    recorded the burst of failed payments (it may have taken in none, some or all), then
    pause the moment dunning has recorded its first reminders; later the reminders go out,
    each once."""
    async with fault_stack(postgres, tmp_path) as stack:
        await stack.subscribers(["pm_card_visa"] * 30 + [EXPIRED] * 30)
        await stack.ready()
        recovery: dict[str, float] = {}

        async def failures_recorded() -> bool:
            return await outbox_count(stack, "billing", "payment.failed") >= 30

        await stack.advance(A_MONTH, wait=False)
        await until(failures_recorded, every=0.005, what="the failed payments")
        started = time.monotonic()
        await stack.restart("dunning")
        await stack.ready()
        recovery["dunning killed as the failures arrive"] = time.monotonic() - started

        async def reminders_recorded() -> bool:
            return await outbox_count(stack, "dunning", "dunning.reminder_sent") > 0

        await stack.advance(days(4), wait=False)  # the first reminders, and pause hears of them
        await until(reminders_recorded, every=0.005, what="the first reminders")
        started = time.monotonic()
        await stack.restart("pause")
        await stack.ready()
        recovery["pause killed as the reminders arrive"] = time.monotonic() - started
        await stack.advance(days(6))

        checked = await check(stack)
        record("SIGKILL of dunning and of pause mid-burst", checked, recovery)
        assert checked.problems == []
        assert checked.counts["dunning_cases"] == 30
        assert checked.counts["messages_received"] >= 30, "every case got its first reminder"
