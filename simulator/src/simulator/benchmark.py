"""Timing, not a test: `python -m simulator.benchmark [--stack]`.

The model engine must do 100,000 customers x 12 months in under a minute on 2 cores;
`--stack` also times the stack engine on 2,000 customers x 12 months against a running
`CLOCK=test` stack, which takes many minutes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from simulator.cli import main as simulate


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    if simulate(argv) != 0:
        raise SystemExit(f"simulate {' '.join(argv)} failed")
    return time.perf_counter() - started


def main() -> int:
    out = Path("var/benchmark")
    model = timed(
        ["--engine", "model", "--customers", "100000", "--months", "12", "--out", str(out / "model")]
    )
    print(f"model engine, 100,000 customers x 12 months: {model:.1f}s")
    if "--stack" in sys.argv:
        stack = timed(
            ["--engine", "stack", "--customers", "2000", "--months", "12", "--out", str(out / "stack")]
        )
        print(f"stack engine, 2,000 customers x 12 months: {stack:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
