"""Bad deliveries from outside: every event three more times out of order, and poison."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from shared.messaging.redrive import read_dead_letters
from shared.testing.databases import DatabaseFactory
from tests.e2e.stack import read_all
from tests.faults.conftest import Record
from tests.faults.harness import FaultStack, days, fault_stack
from tests.faults.invariants import CONSUMERS, check

pytestmark = [pytest.mark.stack, pytest.mark.broker, pytest.mark.postgres, pytest.mark.timeout(600)]
EXPIRED = "pm_card_chargeDeclinedExpiredCard"
TOPICS = ("billing.events", "billing.commands", "dunning.events", "pause.events")


async def state(stack: FaultStack) -> dict[str, Any]:
    """What the services hold about their customers, without ids that change nothing."""
    return {
        "subscriptions": sorted(
            tuple(r)
            for r in await stack.rows("billing", "SELECT id, status, current_period_end FROM subscriptions")
        ),
        "invoices": sorted(tuple(r) for r in await stack.rows("billing", "SELECT id, status FROM invoices")),
        "attempts": sorted(
            tuple(r) for r in await stack.rows("billing", "SELECT id, status FROM payment_attempts")
        ),
        "cases": sorted(
            tuple(r)
            for r in await stack.rows("dunning", "SELECT invoice_id, status, outcome FROM dunning_cases")
        ),
        "views": sorted(
            tuple(r)
            for r in await stack.rows(
                "pause", "SELECT id, status, current_period_end, open_dunning_case FROM subscription_views"
            )
        ),
        "pauses": sorted(tuple(r) for r in await stack.rows("pause", "SELECT id, status FROM beach_pauses")),
    }


def poison(paid: dict[str, Any]) -> list[tuple[str, bytes]]:
    """What no consumer can apply, and a fact older than what it knows, from outside."""
    broken_data = {
        **paid,
        "id": str(uuid4()),
        "type": "payment.failed",
        "data": {"invoice_id": paid["data"]["invoice_id"]},
    }
    unknown = {**paid, "id": str(uuid4()), "type": "invoice.voided_by_someone_else"}
    late_failure = {
        **paid,
        "id": str(uuid4()),
        "type": "payment.failed",
        "data": {
            **paid["data"],
            "payment_id": "pay_forged",
            "decline_code": "insufficient_funds",
            "sequence": 1,
        },
    }
    return [
        ("billing.events", b"\x00 not an event"),
        ("billing.events", json.dumps(broken_data).encode()),
        ("billing.events", json.dumps(unknown).encode()),
        ("billing.events", json.dumps(late_failure).encode()),
    ]


async def duplicates_seen(stack: FaultStack) -> int:
    """Deliveries every consumer recognised as already applied, from their /metrics."""
    seen = 0
    for name in ("billing", "dunning", "pause"):
        text = (await stack.client.get(f"{stack.url(name)}/metrics")).text
        for line in text.splitlines():
            if line.startswith("messages_consumed_total{") and 'outcome="duplicate"' in line:
                seen += int(float(line.rsplit(" ", 1)[1]))
    return seen


async def until_seen(stack: FaultStack, duplicates: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while await duplicates_seen(stack) < duplicates:
        assert time.monotonic() < deadline, f"the consumers never saw {duplicates} duplicates"
        await asyncio.sleep(0.2)


async def test_duplicates_reordering_and_poison_change_nothing_and_poison_is_dead_lettered(
    postgres: DatabaseFactory, tmp_path: Path, record: Record
) -> None:
    async with fault_stack(postgres, tmp_path) as stack:
        await stack.subscribers(["pm_card_visa"] * 20 + [EXPIRED] * 10)
        await stack.ready()
        await stack.advance(days(31) + 3600)
        await stack.advance(days(4))
        before = await state(stack)

        everything = {topic: await read_all(stack.kafka, topic) for topic in TOPICS}
        already = await duplicates_seen(stack)
        deliveries = [(topic, e) for topic, events in everything.items() for e in events for _ in range(3)]
        random.Random(7).shuffle(deliveries)
        paid = next(e for e in everything["billing.events"] if e["type"] == "payment.succeeded")
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, enable_idempotence=False)
        await producer.start()
        try:
            for topic, event in deliveries:
                await producer.send(topic, json.dumps(event).encode(), key=str(event["subject"]).encode())
            for topic, raw in poison(paid):
                await producer.send(topic, raw, key=str(paid["subject"]).encode())
            await producer.flush()
        finally:
            await producer.stop()
        started = time.monotonic()
        expected = sum(3 * len(events) * len(CONSUMERS[topic]) for topic, events in everything.items())
        await until_seen(stack, expected - already)
        await stack.ready()
        recovery = {"duplicates and poison absorbed": time.monotonic() - started}

        after = await state(stack)
        dead = await read_dead_letters(stack.kafka, "billing.events")
        checked = await check(stack, dead_letters=4)
        record(
            "every event delivered 3 more times out of order, plus poison",
            checked,
            recovery,
            duplicates_sent=len(deliveries),
            dead_letters=sorted(f"{d.headers['dlq-consumer']}: {d.headers['dlq-reason'][:60]}" for d in dead),
        )
        assert after == before, "duplicates, reordering and a late failure for a paid invoice changed nothing"
        assert checked.problems == []
