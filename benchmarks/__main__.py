"""Run the benchmarks: `python -m benchmarks [--events N] [--database-url URL]`."""

from __future__ import annotations

import argparse
import os

from benchmarks import messaging


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    messaging.report(args.events, args.database_url)


if __name__ == "__main__":
    main()
