"""Two billing and two dunning processes on one database each, as replicas run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shared.testing.databases import DatabaseFactory
from tests.faults.conftest import Record
from tests.faults.harness import days, fault_stack
from tests.faults.invariants import check

pytestmark = [pytest.mark.stack, pytest.mark.broker, pytest.mark.postgres, pytest.mark.timeout(600)]
EXPIRED = "pm_card_chargeDeclinedExpiredCard"


async def test_two_billing_and_two_dunning_replicas_charge_once_and_remind_once(
    postgres: DatabaseFactory, tmp_path: Path, record: Record
) -> None:
    """Replicas share the work: each charge has one sender (the gateway saw every key
    once), each failed invoice one case, each reminder one email; the clock, advanced
    through one billing replica, is ready on the other, and waits for both dunnings."""
    async with fault_stack(postgres, tmp_path, {"SIMULATED_GATEWAY_LATENCY_MS": "10"}) as stack:
        await stack.start("billing-2")
        await stack.start("dunning-2")
        await stack.subscribers(["pm_card_visa"] * 60 + [EXPIRED] * 20)
        await stack.ready()

        started = time.monotonic()
        await stack.post("/v1/test-clock/advance", {"seconds": days(31) + 3600}, name="billing-2")
        await stack.ready(name="billing")
        renewal_day = time.monotonic() - started
        await stack.advance(days(8))

        checked = await check(stack, sends_at_most=1)
        owners = await stack.rows(
            "billing",
            "SELECT count(DISTINCT lease_owner) AS n FROM payment_attempts WHERE reason = 'renewal'",
        )
        participants = await stack.rows("billing", "SELECT service, url FROM clock_participants")
        record(
            "two billing and two dunning replicas",
            checked,
            {"renewal day of 80 subscriptions": renewal_day},
            billing_processes_that_sent_renewals=owners[0]["n"],
            clock_participants=sorted(f"{p['service']} {p['url']}" for p in participants),
        )
        assert checked.problems == []
        assert checked.counts["dunning_cases"] == 20
        assert len(participants) >= 4, "every instance registered with the clock"
