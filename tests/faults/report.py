"""docs/reliability.md, written from the fault suite's own run: what each fault was, what
was checked afterwards, the counts, and how long the system took to recover."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHECKED = """After every fault the suite reads, from outside the services:

- the gateway's ledger (the simulated gateway keeps it in billing's database): each
  idempotency key has one outcome, the same as its payment attempt's, and no invoice was
  charged successfully twice; how often each key was sent;
- billing's invoices: no period invoiced twice, none skipped (a paused month is not a
  skipped one), no active subscription left unrenewed, invoice numbers without gaps;
- every outbox of every service: each event published, and recorded as applied (not
  dead-lettered) by every consumer of its topic;
- dunning's cases: one for each failed invoice still unpaid, none open for a paid one;
- the mail server: no message received twice;
- every dead-letter topic: nothing, unless the fault was poison."""


def _row(entry: dict[str, Any]) -> str:
    counts = entry["counts"]
    recovered = "; ".join(f"{what}: {seconds} s" for what, seconds in entry["recovery_seconds"].items())
    sends = f"{counts['gateway_sends']} sends of {counts['gateway_keys']} keys"
    verdict = "held" if not entry["problems"] else "BROKE: " + "; ".join(entry["problems"])
    return (
        f"| {entry['fault']} | {counts['successful_charges']} charges, {sends} | {counts['invoices']} | "
        f"{counts['events_published']} | {counts['dunning_cases']} | {counts['messages_received']} | "
        f"{counts['dead_letters']} | {recovered} | {verdict} |"
    )


def render(entries: list[dict[str, Any]]) -> str:
    duration_s = sum(e.get("test_seconds", 0) for e in entries)
    lines = [
        "# Reliability: the fault suite's last full run",
        "",
        "Written by `tests/faults` at the end of a run in which every fault test ran (CI runs",
        "them all, on PostgreSQL, against the services as processes). Do not edit by hand.",
        "",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} {platform.system()}, "
        f"Python {platform.python_version()}; the fault tests took {duration_s:.0f} s.",
        "",
        "## What was checked",
        "",
        CHECKED,
        "",
        "## The faults",
        "",
        "| fault | charges at the gateway | invoices | events published | dunning cases | "
        "messages received | dead letters | time to recover | invariants |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(e) for e in sorted(entries, key=lambda e: e["fault"])),
        "",
        "Time to recover is from the fault's end (the process restarted, the database or",
        "broker back) until the whole system was quiet again, as the test clock measures it:",
        "no outbox row waiting, no due work, every event consumed by every consumer. A killed",
        "billing's charges are sent again by its successor once their leases run out",
        "(5 s in the suite, `CHARGE_LEASE_SECONDS`), and its clock advance is taken over",
        "after 10 s without a heartbeat.",
        "",
        "## Details",
        "",
    ]
    for entry in sorted(entries, key=lambda e: e["fault"]):
        detail = {
            k: v
            for k, v in entry.items()
            if k not in ("test", "fault", "counts", "problems", "recovery_seconds")
        }
        lines += [
            f"### {entry['fault']}",
            "",
            f"`{entry['test']}`",
            "",
            "```json",
            json.dumps({"counts": entry["counts"], **detail}, indent=2),
            "```",
            "",
        ]
    return "\n".join(lines)


def write(results: Path, target: Path, since: float, expected: int) -> bool:
    """Write the document if every fault test of this run left its result; answers whether."""
    fresh = [p for p in results.glob("*.json") if p.stat().st_mtime >= since]
    if len(fresh) < expected or expected == 0:
        return False
    entries = [json.loads(p.read_text()) for p in fresh]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(entries))
    return True
