"""`simulate`: run a synthetic subscriber base and compare dunning policies.

The stack engine (the default) drives the real services, so its numbers are what the
system did; the model engine runs the same domain code in process, fast enough for
100,000 customers and several seeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simulator.model.runner import ModelRun, run_model
from simulator.report.csv_files import write_csvs
from simulator.report.html_page import write_html
from simulator.report.results import Results
from simulator.report.terminal import print_summary


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="simulate", description=__doc__)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument(
        "--policy", action="append", dest="policies", help="gentle, aggressive, holdout (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=1, help="model engine: run seeds S..S+n-1 for intervals")
    parser.add_argument("--engine", choices=("stack", "model"), default="stack")
    parser.add_argument("--out", type=Path, default=Path("var/simulation"))
    parser.add_argument("--workers", type=int, default=None, help="model engine processes (default: cores)")
    args = parser.parse_args(argv)
    args.policies = tuple(dict.fromkeys(args.policies or ["gentle", "aggressive"]))
    if args.customers < 1 or args.months < 1 or args.seeds < 1:
        parser.error("--customers, --months and --seeds must be at least 1")
    return args


def run_model_engine(args: argparse.Namespace, console: Console) -> Results:
    seeds = list(range(args.seed, args.seed + args.seeds))
    tallies = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        for seed in seeds:
            task = progress.add_task(f"seed {seed}", total=args.customers)
            run = ModelRun(args.customers, args.months, seed, args.policies)
            tallies.append(run_model(run, args.workers, partial(progress.advance, task)))
    notes = [
        "Model engine: the real dunning engine (decide/next_due/apply) and pause domain, in process.",
        "Population defaults: simulator/src/simulator/assumptions.py (DESIGN.md figures).",
    ]
    return Results("model", args.customers, args.months, seeds, tallies, notes)


def run_stack_engine(args: argparse.Namespace, console: Console) -> Results:
    from simulator.stack.actions import StackRun
    from simulator.stack.driver import run_stack

    if args.seeds > 1:
        console.print("[yellow]--seeds applies to the model engine; the stack runs one seed.[/yellow]")
    run = StackRun(args.customers, args.months, args.seed, args.policies)
    results: Results = run_stack(run, console)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console()
    started = time.perf_counter()
    try:
        results = (
            run_model_engine(args, console) if args.engine == "model" else run_stack_engine(args, console)
        )
    except RuntimeError as error:
        console.print(f"[red]{error}[/red]")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    files = [*write_csvs(results, args.out), write_html(results, args.out)]
    print_summary(results, console)
    console.print(f"Report: {', '.join(str(f) for f in files)} ({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
