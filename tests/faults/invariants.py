"""What must hold after any fault, read from the databases, the gateway's ledger, the mail
server and the topics, never from a service's own say-so.

- Each invoice is charged at the gateway at most once, and each idempotency key has one
  outcome, which is the attempt's.
- No period is invoiced twice and none is missed; invoice numbers have no gaps.
- Every event in every outbox was published, and applied once by each of its consumers.
- One dunning case per unpaid failed invoice, none for a paid one left open.
- No message reached the mail server twice.
- Nothing was dead-lettered (unless the fault was poison, which says what it expects).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from dunning.entrypoints.notifier import same_notification
from shared.contracts.codec import decode_event
from shared.messaging.redrive import read_dead_letters
from tests.faults.harness import FaultStack

CONSUMERS = {
    "billing.events": [("dunning", "dunning.billing-events"), ("pause", "pause.billing-events")],
    "billing.commands": [("billing", "billing.commands")],
    "dunning.events": [("pause", "pause.dunning-events")],
    "pause.events": [("billing", "billing.pause-events")],
    "notifications": [("dunning", "notifier")],
}


@dataclass
class Findings:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def expect(self, holds: bool, problem: str) -> None:
        if not holds:
            self.problems.append(problem)


async def _charges(stack: FaultStack, found: Findings, sends_at_most: int) -> None:
    ledger = await stack.rows("billing", "SELECT * FROM simulated_gateway_charges")
    attempts = {
        a["idempotency_key"]: a for a in await stack.rows("billing", "SELECT * FROM payment_attempts")
    }
    paid_per_invoice: Counter[str] = Counter()
    for row in ledger:
        attempt = attempts.get(row["idempotency_key"])
        found.expect(
            attempt is not None, f"the gateway charged key {row['idempotency_key']}, no attempt has it"
        )
        if attempt is None:
            continue
        if row["succeeded"]:
            paid_per_invoice[attempt["invoice_id"]] += 1
        found.expect(
            row["sends"] <= sends_at_most, f"key {row['idempotency_key']} was sent {row['sends']} times"
        )
        if attempt["status"] != "pending":
            outcome = "succeeded" if row["succeeded"] else "failed"
            found.expect(
                attempt["status"] == outcome,
                f"attempt {attempt['id']} is {attempt['status']}, the gateway said {outcome}",
            )
    twice = [invoice for invoice, n in paid_per_invoice.items() if n > 1]
    found.expect(not twice, f"invoices charged successfully more than once: {twice}")
    found.counts.update(
        gateway_keys=len(ledger),
        gateway_sends=sum(r["sends"] for r in ledger),
        successful_charges=sum(paid_per_invoice.values()),
        attempts=len(attempts),
        attempts_pending=sum(1 for a in attempts.values() if a["status"] == "pending"),
    )


async def _invoices(stack: FaultStack, found: Findings) -> None:
    invoices = await stack.rows("billing", "SELECT * FROM invoices")
    periods: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    paused: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for invoice in invoices:
        line = json.loads(invoice["lines"])[0]
        kind = periods if invoice["context"] == "subscription" else paused
        kind[invoice["subscription_id"]].append((line["period_start"], line["period_end"]))
    for subscription, spans in periods.items():
        spans.sort()
        found.expect(len(spans) == len(set(spans)), f"{subscription} invoiced a period twice: {spans}")
        on_the_beach = paused[subscription]
        gaps = [
            (a, b)
            for a, b in itertools.pairwise(spans)
            if a[1] != b[0] and not any(start < b[0] and end > a[1] for start, end in on_the_beach)
        ]
        found.expect(not gaps, f"{subscription} skipped a period it was not paused for: {gaps}")
    numbers = sorted(
        int(i["number"].split("-")[1]) for i in await stack.rows("billing", "SELECT number FROM invoices")
    )
    found.expect(
        numbers == list(range(1, len(numbers) + 1)), f"invoice numbers have gaps or repeats: {numbers}"
    )
    due = await stack.rows(
        "billing",
        "SELECT count(*) AS n FROM subscriptions WHERE status = 'active' "
        "AND current_period_end <= (SELECT now FROM clock_state WHERE id = 1)",
    )
    found.expect(due[0]["n"] == 0, f"{due[0]['n']} active subscriptions were not renewed")
    found.counts.update(invoices=len(numbers), subscription_invoices=sum(map(len, periods.values())))


async def _deliveries(stack: FaultStack, found: Findings) -> None:
    published = 0
    for producer in ("billing", "dunning", "pause"):
        rows = await stack.rows(
            producer, "SELECT event_id, topic, payload, published_at FROM outbox_messages"
        )
        unpublished = [r["event_id"] for r in rows if r["published_at"] is None]
        found.expect(not unpublished, f"{producer} has {len(unpublished)} events never published")
        published += len(rows)
        by_topic: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            by_topic[row["topic"]].add(_inbox_id(row))
        for topic, ids in by_topic.items():
            for service, consumer in CONSUMERS.get(topic, []):
                applied = await stack.rows(
                    service,
                    "SELECT event_id FROM inbox_messages WHERE consumer = $1 AND NOT dead_lettered",
                    consumer,
                )
                missing = ids - {r["event_id"] for r in applied}
                found.expect(
                    not missing, f"{consumer} never applied {len(missing)} of {producer}'s {topic} events"
                )
    found.counts["events_published"] = published


def _inbox_id(row: Any) -> str:
    """The id a consumer records an event under: the event id, but the notifier keys
    its inbox by notification id (two requests for one notification are one message)."""
    if row["topic"] != "notifications":
        return str(row["event_id"])
    return str(same_notification(decode_event(row["payload"])))


async def _cases(stack: FaultStack, found: Findings) -> None:
    failed = await stack.rows(
        "billing",
        "SELECT DISTINCT a.invoice_id FROM payment_attempts a JOIN invoices i ON i.id = a.invoice_id "
        "WHERE a.status = 'failed' AND a.context = 'subscription' AND i.status = 'open'",
    )
    paid = {r["id"] for r in await stack.rows("billing", "SELECT id FROM invoices WHERE status = 'paid'")}
    cases = await stack.rows("dunning", "SELECT invoice_id, status FROM dunning_cases")
    with_case = {c["invoice_id"] for c in cases}
    without = [r["invoice_id"] for r in failed if r["invoice_id"] not in with_case]
    found.expect(not without, f"failed invoices with no dunning case: {without}")
    nagging = [c["invoice_id"] for c in cases if c["status"] == "open" and c["invoice_id"] in paid]
    found.expect(not nagging, f"open cases for paid invoices: {nagging}")
    found.counts.update(dunning_cases=len(cases), unpaid_failed_invoices=len(failed))


async def _messages(stack: FaultStack, found: Findings) -> None:
    twice = {n: c for n, c in stack.mail.received.items() if c > 1}
    found.expect(not twice, f"messages received more than once: {twice}")
    found.counts["messages_received"] = sum(stack.mail.received.values())


async def _dead_letters(stack: FaultStack, found: Findings, expected: int) -> None:
    letters = 0
    for topic in CONSUMERS:
        letters += len(await read_dead_letters(stack.kafka, topic))
    found.expect(letters == expected, f"{letters} dead letters, {expected} expected")
    found.counts["dead_letters"] = letters


async def check(stack: FaultStack, *, sends_at_most: int = 1, dead_letters: int = 0) -> Findings:
    found = Findings()
    await _charges(stack, found, sends_at_most)
    await _invoices(stack, found)
    await _deliveries(stack, found)
    await _cases(stack, found)
    await _messages(stack, found)
    await _dead_letters(stack, found, dead_letters)
    return found
