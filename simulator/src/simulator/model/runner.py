"""Run the population under each policy, split over processes by customer range.

Each worker draws its own customers from (seed, index), so a chunk needs only a few
numbers to travel to it and a tally to come back: no customer objects are pickled, and
the result does not depend on how many workers ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from dunning.domain.policy import BUILT_IN_POLICIES, DunningPolicy, within_card_budget
from simulator.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from simulator.model.subscriber_life import live
from simulator.model.tally import Tally
from simulator.population import RUN_START, draw_customer

POLICIES_BY_VARIANT: dict[str, DunningPolicy] = {
    p.variant: within_card_budget(p) for p in BUILT_IN_POLICIES.values()
}
"""As the stack runs them: within the card networks' default retry budget."""
CHUNK = 2_000


@dataclass(frozen=True)
class ModelRun:
    customers: int
    months: int
    seed: int
    variants: tuple[str, ...]
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS
    subscribed_at_start: bool = False
    """Every customer subscribes at the run's first moment, as the stack engine's do: the
    first month is paid at sign-up, and renewals fall on that day of each later month.
    Otherwise subscriptions are already running, anchored on a day of the month before."""
    start: datetime = RUN_START
    """The run's first moment: paydays, month lengths and weekdays follow its calendar."""


def policy_for(variant: str) -> DunningPolicy:
    try:
        return POLICIES_BY_VARIANT[variant]
    except KeyError:
        known = ", ".join(sorted(POLICIES_BY_VARIANT))
        raise ValueError(f"unknown policy {variant!r}; built in: {known}") from None


def run_chunk(run: ModelRun, first: int, last: int) -> dict[str, Tally]:
    tallies = {variant: Tally() for variant in run.variants}
    for index in range(first, last):
        customer = draw_customer(run.seed, index, run.months, run.assumptions, run.start)
        if run.subscribed_at_start:
            customer = replace(customer, anchor=run.start)
        for variant in run.variants:
            tallies[variant].update(
                live(customer, policy_for(variant), run.months, run.assumptions, run.seed, run.start)
            )
    return tallies


def _chunks(count: int) -> list[tuple[int, int]]:
    return [(first, min(first + CHUNK, count)) for first in range(0, count, CHUNK)]


def run_model(
    run: ModelRun, workers: int | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, Tally]:
    """Tallies per policy variant; `progress` hears how many customers each finished chunk had."""
    for variant in run.variants:
        policy_for(variant)
    chunks = _chunks(run.customers)
    workers = workers or min(len(chunks), os.cpu_count() or 1)
    totals = {variant: Tally() for variant in run.variants}

    def merge(part: dict[str, Tally], size: int) -> None:
        for variant, tally in part.items():
            totals[variant].update(tally)
        if progress is not None:
            progress(size)

    if workers <= 1:
        for first, last in chunks:
            merge(run_chunk(run, first, last), last - first)
        return totals
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [(pool.submit(run_chunk, run, first, last), last - first) for first, last in chunks]
        for future, size in futures:
            merge(future.result(), size)
    return totals
