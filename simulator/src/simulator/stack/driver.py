"""Drive the running stack day by day and read back what the services themselves report.

Only one dunning policy can be live on the stack; new cases are split between variants
by the dunning service's `DUNNING_EXPERIMENT` weights (for example
`{"gentle": 50, "aggressive": 50}`), and the report is grouped by variant. The driver
cannot choose a customer's variant, so it compares whatever variants the service ran.

Each day it plays the population's scripted causes (cards, breaks), then what customers
do in answer to the messages the services sent (read from the topics by an independent
consumer), then advances the shared test clock one day.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shared.calendar import add_months
from simulator.population import Customer, draw_population
from simulator.report.results import Results
from simulator.stack.actions import StackRun, World, answer_messages, play_day, set_up_population
from simulator.stack.churn import churn_tallies, experiment_weights, statuses
from simulator.stack.client import StackClient
from simulator.stack.events import EventWatcher
from simulator.stack.script import Script, population_script
from simulator.stack.summary import tallies_of, timings

KEEP_ALIVE = httpx.Limits(keepalive_expiry=2)
"""The services (uvicorn) close a connection idle for 5 s. httpx also keeps one for 5 s, so
a call after a pause (the final status reads, after the events settle) could go out on a
connection the service was closing that instant, and fail with a ReadError."""


WIND_DOWN_DAYS = 45
"""At most this many days after the run for the cases it opened to close: the model
follows every case to its end, so the stack does too (a 21-day window, its final action,
and a beach offer taken at its end fit well inside)."""

WIND_DOWN_KINDS = frozenset({"card", "annoyed", "beach_offer"})
"""What still happens while winding down: customers answering the messages of cases that
are still open. Breaks and departures after a pause belong to the run's months only, as
the model counts them."""


def run_days(start: datetime, months: int) -> int:
    """The run's length in whole days: `months` calendar months from the clock's start.

    Counting calendar months, not an average month, puts the last renewal (on the start's
    day of the month) on the run's last day whatever month the run starts in; an average
    would drop it for some starts and keep it for others (Dec 1 to Mar 1 is 90 days, Nov 20
    to Feb 20 is 92).
    """
    return math.ceil((add_months(start, months) - start) / timedelta(days=1))


async def _play(
    world: World, watcher: EventWatcher, script: Script, people: dict[str, Customer], run: StackRun, day: int
) -> None:
    answer_messages(world, watcher, script, people, run, day)
    await play_day(world, script.pop(day, []), world.resumes.pop(day, []), day)
    await world.client.advance_one_day()


async def _wind_down(
    world: World,
    watcher: EventWatcher,
    script: Script,
    people: dict[str, Customer],
    run: StackRun,
    day: int,
    end: datetime,
) -> int:
    """Advance day by day until no case the run opened (before `end`) is open; answers
    how many days it took. Cases opened at `end` or later belong to the next month."""
    extra = 0
    await watcher.settle(quiet_for=0.2)
    while (still_open := watcher.open_before(end)) and extra < WIND_DOWN_DAYS:
        answer_messages(world, watcher, script, people, run, day + extra, only=set(still_open))
        actions = [a for a in script.pop(day + extra, []) if a.kind in WIND_DOWN_KINDS]
        await play_day(world, actions, [], day + extra)
        await world.client.advance_one_day()
        extra += 1
        await watcher.settle(quiet_for=0.2)
    return extra


@dataclass
class Played:
    """What playing the days left behind, for the summary."""

    world: World
    watcher: EventWatcher
    start: datetime
    end: datetime
    set_up: float
    day_seconds: list[float]
    extra_days: int
    wind_down: float
    status: dict[int, str]


async def _play_days(
    world: World,
    watcher: EventWatcher,
    script: Script,
    people: dict[str, Customer],
    run: StackRun,
    days: int,
    console: Console,
) -> list[float]:
    """Every day of the run, with a progress bar; answers each day's wall-clock seconds."""
    day_seconds: list[float] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("simulated days", total=days)
        actions = progress.add_task("", total=None)
        for day in range(days):
            day_started = time.perf_counter()
            await _play(world, watcher, script, people, run, day)
            day_seconds.append(time.perf_counter() - day_started)
            live = ", ".join(f"{k} {v}" for k, v in sorted(world.done.items()) if v)
            progress.update(task, advance=1, description=f"day {day + 1}: {watcher.live()}"[:110])
            progress.update(actions, description=live[:110])
    return day_seconds


async def _run_on(client: StackClient, watcher: EventWatcher, run: StackRun, console: Console) -> Played:
    start = datetime.fromisoformat((await client.clock())["now"])
    population = draw_population(run.seed, run.customers, run.months, run.assumptions, start)
    days, end = run_days(start, run.months), add_months(start, run.months)
    script = population_script(population, run.seed, run.months, run.assumptions, start)
    started = time.perf_counter()
    world = await set_up_population(client, run, population)
    set_up = time.perf_counter() - started
    people = {world.subscriptions[c.index]: c for c in population}
    day_seconds = await _play_days(world, watcher, script, people, run, days, console)
    wound_down = time.perf_counter()
    extra_days = await _wind_down(world, watcher, script, people, run, days, end)
    wind_down = time.perf_counter() - wound_down
    await watcher.settle()
    status = await statuses(client.admin_get, world.subscriptions)
    return Played(world, watcher, start, end, set_up, day_seconds, extra_days, wind_down, status)


async def drive(run: StackRun, console: Console) -> Results:
    watcher = EventWatcher()
    async with httpx.AsyncClient(timeout=60, limits=KEEP_ALIVE) as http:
        client = StackClient(http)
        await watcher.start()
        try:
            played = await _run_on(client, watcher, run, console)
        finally:
            await watcher.stop()
        report, pauses = await client.dunning_report(played.start, played.end), await client.pause_report()
    world = played.world
    churn = churn_tallies(
        world.customers,
        world.subscriptions,
        played.status,
        watcher.variants,
        watcher.canceled_by,
        world.annoyed,
        experiment_weights(),
    )
    tallies = tallies_of(report, pauses, churn, run.variants)
    notes = _notes(played, client, report)
    return Results(
        "stack", run.customers, run.months, [run.seed], [tallies], notes, {"dunning": report, "pause": pauses}
    )


def _notes(played: Played, client: StackClient, report: dict[str, Any]) -> list[str]:
    world, watcher = played.world, played.watcher
    return [
        "Stack engine: numbers from GET /v1/dunning/report?group_by=variant and GET /v1/pause/report.",
        "Variants are those the dunning service ran (DUNNING_EXPERIMENT weights), not --policy.",
        "Churn: billing's subscription status at the end, split by who asked billing to cancel.",
        f"Events seen on the topics: {dict(watcher.counts)}",
        f"Driver actions: {dict(world.done)}",
        timings(played.set_up, played.day_seconds),
        f"Wind-down: {played.extra_days} more days for the last cases to close ({played.wind_down:.1f}s); "
        f"{len(watcher.open_before(played.end))} still open",
        f"Portal token refused by pause, retried with the admin key: {client.portal_fallbacks} times",
        f"Dunning outcomes: {report.get('total', {}).get('outcomes')}",
        *(f"Refused: {e}" for e in world.errors),
    ]


def run_stack(run: StackRun, console: Console) -> Results:
    return asyncio.run(drive(run, console))
