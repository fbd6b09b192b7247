"""Run the benchmarks: `python -m benchmarks [--only messaging|billing-run] [--events N]
[--database-url URL] [--renewals N] [--runs 3] [--postgres-url URL]`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os

from benchmarks import billing_run, messaging, report

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["messaging", "billing-run"])
    parser.add_argument("--events", type=int, default=20000, help="messaging: events")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="messaging: a PostgreSQL server (default: SQLite)")  # fmt: skip
    parser.add_argument("--renewals", type=int, default=20000, help="billing run: due subscriptions")
    parser.add_argument("--runs", type=int, default=3, help="billing run: repetitions")
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


def main() -> None:
    args = arguments()
    if args.only != "billing-run":
        messaging.report(args.events, args.database_url)
    if args.only != "messaging":
        bench_billing_run(args)


if __name__ == "__main__":
    main()
