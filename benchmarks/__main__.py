"""Run the benchmarks: `python -m benchmarks [--only messaging|billing-run|dunning|pause|
billing-commands|http-api|renewal-day|finance-report] [--events N] [--database-url URL] [--renewals N]
[--cases N] [--runs 3] [--postgres-url URL]`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from benchmarks import (
    billing_commands,
    billing_run,
    consumers,
    finance_report,
    http_api,
    messaging,
    renewal_day,
    report,
)
from shared.logs import configure_logging

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
CONSUMERS = ("dunning", "pause", "billing-commands")
CHOICES = ["messaging", "billing-run", *CONSUMERS, "http-api", "renewal-day", "finance-report"]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only",
        choices=["messaging", "billing-run", *CONSUMERS, "http-api", "renewal-day", "finance-report"],
    )
    parser.add_argument("--events", type=int, default=20000, help="messaging: events")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="messaging: a PostgreSQL server (default: SQLite)")  # fmt: skip
    parser.add_argument("--renewals", type=int, default=20000, help="billing run: due subscriptions")
    parser.add_argument("--runs", type=int, default=3, help="billing run: repetitions")
    parser.add_argument(
        "--failures", type=int, default=20000, help="dunning, pause, billing commands: events consumed"
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="consumers: steady events/s for latency")
    parser.add_argument("--requests", type=int, default=2000, help="http api: requests per route")
    parser.add_argument("--subscribers", type=int, default=3000, help="renewal day: subscriptions")
    parser.add_argument("--cases", type=int, default=100000, help="finance report: dunning cases")
    parser.add_argument("--single-rows", type=int, default=3000, help="billing run: single-commit sample")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or POSTGRES,
        help="billing run: the PostgreSQL server it makes its databases on",
    )
    return parser.parse_args()


def bench_billing_run(args: argparse.Namespace) -> None:
    sample = min(args.renewals, args.single_rows)
    print(f"\nbilling run: {args.renewals:,} due subscriptions, {args.runs} runs, PostgreSQL", flush=True)
    runs = asyncio.run(billing_run.run(args.postgres_url, args.renewals, args.runs, sample))
    postgres = asyncio.run(billing_run.server_version(args.postgres_url))
    print("\n" + "\n".join(report.table(runs)))
    report.write_docs(runs, postgres, sample)
    messaging.save_results(
        "billing-run", {"postgres": postgres, "runs": [dataclasses.asdict(r) for r in runs]}
    )
    print(f"\nwritten to {report.DOCS}")


def bench_consumer(subject: consumers.Subject, args: argparse.Namespace) -> None:
    configure_logging(subject.name, "WARNING")  # as deployed: no line per batch from FastStream
    steady = int(args.rate * 10)
    print(f"\n{subject.name}: {args.failures:,} events, then {steady:,} at {args.rate:,.0f}/s", flush=True)
    runs = asyncio.run(consumers.run(subject, args.postgres_url, args.failures, args.runs, args.rate, steady))
    postgres = asyncio.run(billing_run.server_version(args.postgres_url))
    report.write_section(f"{subject.name}:{args.failures}", consumers.section(subject, runs, postgres))
    messaging.save_results(subject.name, {"runs": [dataclasses.asdict(r) for r in runs]})
    print(f"\nwritten to {report.DOCS}")


def _record(name: str, size: int, text: str, runs: Sequence[Any]) -> None:
    """Print a section, put it in docs/benchmarks.md under `name:size`, keep its runs' JSON."""
    print("\n" + text)
    report.write_section(f"{name}:{size}", text)
    messaging.save_results(name, {"runs": [dataclasses.asdict(r) for r in runs]})
    print(f"\nwritten to {report.DOCS}")


def bench_http_api(args: argparse.Namespace) -> None:
    print(f"\nHTTP API: {args.requests:,} requests per route, {args.runs} runs, PostgreSQL", flush=True)
    runs = asyncio.run(http_api.run(args.postgres_url, args.requests, args.runs))
    postgres = asyncio.run(billing_run.server_version(args.postgres_url))
    _record("http-api", args.requests, http_api.section(runs, postgres), runs)


def bench_renewal_day(args: argparse.Namespace) -> None:
    print(
        f"\nrenewal day through the stack: {args.subscribers:,} subscriptions, {args.runs} runs", flush=True
    )
    sample = min(args.subscribers, args.single_rows)
    runs = asyncio.run(renewal_day.run(args.postgres_url, args.subscribers, args.runs, sample))
    postgres = asyncio.run(billing_run.server_version(args.postgres_url))
    _record("renewal-day", args.subscribers, renewal_day.section(runs, postgres), runs)


def bench_finance_report(args: argparse.Namespace) -> None:
    print(f"\nfinance report: {args.cases:,} dunning cases, PostgreSQL", flush=True)
    seconds = asyncio.run(finance_report.run(args.postgres_url, args.cases, args.runs))
    postgres = asyncio.run(billing_run.server_version(args.postgres_url))
    report.write_section(
        f"finance-report:{args.cases}", finance_report.section(args.cases, seconds, postgres)
    )
    messaging.save_results("finance-report", {"seconds": seconds})
    print(f"\nwritten to {report.DOCS}")


def main() -> None:
    args = arguments()
    if args.only in (None, "messaging"):
        messaging.report(args.events, args.database_url)
    if args.only in (None, "billing-run"):
        bench_billing_run(args)
    if args.only in (None, "dunning"):
        bench_consumer(consumers.DUNNING, args)
    if args.only in (None, "pause"):
        bench_consumer(consumers.PAUSE, args)
    if args.only in (None, "billing-commands"):
        bench_consumer(billing_commands.BILLING, args)
    if args.only in (None, "http-api"):
        bench_http_api(args)
    if args.only in (None, "renewal-day"):
        bench_renewal_day(args)
    if args.only in (None, "finance-report"):
        bench_finance_report(args)


if __name__ == "__main__":
    main()
