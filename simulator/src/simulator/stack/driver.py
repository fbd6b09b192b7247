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
import heapq
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shared.calendar import add_months
from shared.concurrency import bounded_map
from simulator.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from simulator.model.tally import Tally, add_money
from simulator.population import Customer, draw_population
from simulator.report.results import Results
from simulator.stack.churn import churn_tallies, experiment_weights, statuses
from simulator.stack.client import StackClient
from simulator.stack.events import EventWatcher
from simulator.stack.reactions import react
from simulator.stack.script import VISA, Action, Script, card_label, population_script

PARALLEL = 16  # calls in flight at once; on 2 cores set-up ran about 20% faster than with 8, 32 no faster
KEEP_ALIVE = httpx.Limits(keepalive_expiry=2)
"""The services (uvicorn) close a connection idle for 5 s. httpx also keeps one for 5 s, so
a call after a pause (the final status reads, after the events settle) could go out on a
connection the service was closing that instant, and fail with a ReadError."""


@dataclass(frozen=True)
class StackRun:
    customers: int
    months: int
    seed: int
    variants: tuple[str, ...]
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS


@dataclass
class World:
    """What the driver created: service ids by customer index, and counts of what it did."""

    client: StackClient
    customers: dict[int, str]
    subscriptions: dict[int, str]
    done: Counter[str]
    resumes: dict[int, list[int]]
    errors: list[str]
    annoyed: set[int]


async def _setup(client: StackClient, run: StackRun, population: list[Any]) -> World:
    for plan in run.assumptions.plans:
        body = {
            "code": f"sim-{plan.code}",
            "name": plan.code,
            "amount": plan.amount,
            "currency": plan.currency,
        }
        try:
            await client.admin_post("/v1/plans", {**body, "interval": "month"})
        except RuntimeError as error:
            if "409" not in str(error):
                raise
    world = World(client, {}, {}, Counter(), {}, [], set())

    async def one(customer: Any) -> None:
        who = {"email": f"sim{customer.index}@example.com", "name": f"Sim {customer.index}"}
        made = await client.admin_post("/v1/customers", {**who, "timezone": customer.timezone})
        world.customers[customer.index] = made["id"]
        await client.admin_post(f"/v1/customers/{made['id']}/payment-methods", {"payment_method": VISA})
        sub = await client.admin_post(
            "/v1/subscriptions", {"customer_id": made["id"], "plan_code": f"sim-{customer.plan.code}"}
        )
        world.subscriptions[customer.index] = sub["id"]
        world.done["customers created"] += 1

    await bounded_map(one, population, at_once=PARALLEL)
    return world


async def _pause_if_eligible(world: World, index: int, token: dict[str, str], months: int) -> bool:
    """As the customer in the portal: look at the pause options, and pause if they allow it."""
    client, sub = world.client, world.subscriptions[index]
    offer = await client.pause_call("GET", f"/v1/subscriptions/{sub}/pause-options", token)
    if not offer.get("eligible"):
        return False
    await client.pause_call("POST", f"/v1/subscriptions/{sub}/pause", token, {"months": months})
    return True


async def _cancel(world: World, index: int, why: str) -> None:
    await world.client.admin_post(f"/v1/subscriptions/{world.subscriptions[index]}/cancel", {})
    world.done[why] += 1


async def _break(world: World, action: Action, day: int) -> None:
    """The portal's cancel flow: intent with a reason, then the pause or the confirmation."""
    client, sub = world.client, world.subscriptions[action.customer]
    token = await client.portal(world.customers[action.customer])
    intent = await client.pause_call(
        "POST", f"/v1/subscriptions/{sub}/cancel-intent", token, {"reason": "a break"}
    )
    if action.takes_pause and await _pause_if_eligible(world, action.customer, token, action.months):
        world.done["pauses taken"] += 1
        if not action.returns:
            world.resumes.setdefault(day + 31 * action.months + 2, []).append(action.customer)
        return
    await client.pause_call("POST", f"/v1/cancel-intents/{intent['id']}/confirm", token)
    world.done["cancellations"] += 1


async def _act(world: World, action: Action, day: int) -> None:
    try:
        if action.kind == "card":
            customer = world.customers[action.customer]
            await world.client.admin_post(
                f"/v1/customers/{customer}/payment-methods", {"payment_method": action.card}
            )
            world.done[f"card {card_label(action.card)}"] += 1
        elif action.kind == "break":
            await _break(world, action, day)
        elif action.kind == "annoyed":
            await _cancel(world, action.customer, "annoyed into cancelling")
            world.annoyed.add(action.customer)
        elif action.kind == "beach_offer":
            await _take_dunning_offer(world, action)
    except RuntimeError as error:
        world.done["refused by the services"] += 1
        console_note(world, error)


async def _take_dunning_offer(world: World, action: Action) -> None:
    """The link in dunning's beach offer: pause starts the break at once, as the dunning offer."""
    token = await world.client.portal(world.customers[action.customer])
    if await _pause_if_eligible(world, action.customer, token, action.months):
        world.done["dunning beach offers taken"] += 1


async def _play_day(world: World, actions: list[Action], leaving: list[int], day: int) -> None:
    """The day's actions, customers side by side: each customer's in order, as they come."""
    by_customer: dict[int, list[Action]] = {}
    for action in actions:
        by_customer.setdefault(action.customer, []).append(action)

    async def one(mine: list[Action]) -> None:
        for action in mine:
            await _act(world, action, day)

    await bounded_map(one, list(by_customer.values()), at_once=PARALLEL)
    await bounded_map(lambda index: _leave_after_pause(world, index), leaving, at_once=PARALLEL)


def _reactions(
    world: World,
    watcher: EventWatcher,
    script: Script,
    people: dict[str, Customer],
    run: StackRun,
    day: int,
    only: set[str] | None = None,
) -> None:
    """Schedule what customers do about the messages that reached them since yesterday
    (`only`: about these cases alone)."""
    for reminder in watcher.take_reminders():
        customer = people.get(reminder.subscription_id)
        if customer is None or customer.index in world.annoyed:
            continue
        if only is not None and reminder.case_id not in only:
            continue
        code = watcher.decline_codes.get(reminder.case_id, "")
        for when, action in react(reminder, customer, code, run.seed, run.assumptions, day):
            script.setdefault(when, []).append(action)


def console_note(world: World, error: RuntimeError) -> None:
    """Keep the first refusals: they usually say what the services found wrong."""
    if len(world.errors) < 5:
        world.errors.append(str(error)[:200])


async def _leave_after_pause(world: World, index: int) -> None:
    try:
        await _cancel(world, index, "left after pause")
    except RuntimeError:
        world.done["refused by the services"] += 1


def _timings(set_up: float, day_seconds: list[float]) -> str:
    """Where the wall-clock time went: the stack benchmark is judged on it."""
    if not day_seconds:
        return f"Timings: set-up {set_up:.1f}s"
    slowest = sorted(heapq.nlargest(5, range(len(day_seconds)), key=day_seconds.__getitem__))
    worst = ", ".join(f"day {d + 1} {day_seconds[d]:.1f}s" for d in slowest)
    return (
        f"Timings: set-up {set_up:.1f}s; {len(day_seconds)} days {sum(day_seconds):.1f}s "
        f"(median {statistics.median(day_seconds):.2f}s; slowest {worst})"
    )


def _tallies(
    report: dict[str, Any], pauses: dict[str, Any], churn: dict[str, Tally], variants: tuple[str, ...]
) -> dict[str, Tally]:
    """The services' reports in the model's vocabulary, so one summary serves both engines."""
    tallies: dict[str, Tally] = {}
    for group in report.get("groups", []):
        tally = Tally(churn.get(group["group"], Counter()))
        tally["cases"] = group["cases"]
        tally["recovered_cases"] = group["recovered"]
        tally["zero_contact_recoveries"] = group["recovered_without_reminders"]
        per_case = group.get("reminders_per_recovered_case") or 0.0
        tally["contacts_on_recovered"] = round(per_case * group["recovered"])
        for money in group["recovered_amount"]:
            add_money(tally, "recovered", money["currency"], money["amount"])
        tally["cancel_intents"] = pauses["cancel_intents"]
        tally["pauses_from_intents"] = pauses["cancel_intents_that_became_pauses"]
        # The report's return rate: still subscribed three months after resuming (every pause,
        # the dunning ones too), of those who resumed at least three months ago.
        tally["pauses_ended"] = pauses["resumed_three_months_ago_or_more"]
        tally["returned_after_pause"] = pauses["still_subscribed_three_months_after_resume"]
        tallies[group["group"]] = tally
    for variant in variants:
        tallies.setdefault(variant, Tally(churn.get(variant, Counter())))
    return tallies


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
    _reactions(world, watcher, script, people, run, day)
    await _play_day(world, script.pop(day, []), world.resumes.pop(day, []), day)
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
        _reactions(world, watcher, script, people, run, day + extra, only=set(still_open))
        actions = [a for a in script.pop(day + extra, []) if a.kind in WIND_DOWN_KINDS]
        await _play_day(world, actions, [], day + extra)
        await world.client.advance_one_day()
        extra += 1
        await watcher.settle(quiet_for=0.2)
    return extra


async def drive(run: StackRun, console: Console) -> Results:
    watcher = EventWatcher()
    async with httpx.AsyncClient(timeout=60, limits=KEEP_ALIVE) as http:
        client = StackClient(http)
        start = datetime.fromisoformat((await client.clock())["now"])
        population = draw_population(run.seed, run.customers, run.months, run.assumptions, start)
        days, end = run_days(start, run.months), add_months(start, run.months)
        script = population_script(population, run.seed, run.months, run.assumptions, start)
        await watcher.start()
        try:
            started = time.perf_counter()
            world = await _setup(client, run, population)
            set_up = time.perf_counter() - started
            day_seconds: list[float] = []
            people = {world.subscriptions[c.index]: c for c in population}
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
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
            wound_down = time.perf_counter()
            extra_days = await _wind_down(world, watcher, script, people, run, days, end)
            wind_down = time.perf_counter() - wound_down
            await watcher.settle()
            status = await statuses(client.admin_get, world.subscriptions)
        finally:
            await watcher.stop()
        report, pauses = await client.dunning_report(start, end), await client.pause_report()
    weights = experiment_weights()
    churn = churn_tallies(
        world.customers,
        world.subscriptions,
        status,
        watcher.variants,
        watcher.canceled_by,
        world.annoyed,
        weights,
    )
    notes = [
        "Stack engine: numbers from GET /v1/dunning/report?group_by=variant and GET /v1/pause/report.",
        "Variants are those the dunning service ran (DUNNING_EXPERIMENT weights), not --policy.",
        "Churn: billing's subscription status at the end, split by who asked billing to cancel.",
        f"Events seen on the topics: {dict(watcher.counts)}",
        f"Driver actions: {dict(world.done)}",
        _timings(set_up, day_seconds),
        f"Wind-down: {extra_days} more days for the last cases to close ({wind_down:.1f}s); "
        f"{len(watcher.open_before(end))} still open",
        f"Portal token refused by pause, retried with the admin key: {client.portal_fallbacks} times",
        f"Dunning outcomes: {report.get('total', {}).get('outcomes')}",
        *(f"Refused: {e}" for e in world.errors),
    ]
    tallies = _tallies(report, pauses, churn, run.variants)
    return Results(
        "stack", run.customers, run.months, [run.seed], [tallies], notes, {"dunning": report, "pause": pauses}
    )


def run_stack(run: StackRun, console: Console) -> Results:
    return asyncio.run(drive(run, console))
