"""What the driver does on the stack: set the population up, then play each day's actions.

Customers act through the same APIs and portal a real customer would use: cards fail
and get fixed, breaks are taken from the portal, and the answers to the services'
messages (a beach offer taken, a card updated after a reminder) come from what the
topics carried.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from shared.concurrency import bounded_map
from simulator.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from simulator.population import Customer
from simulator.stack.client import StackClient
from simulator.stack.events import EventWatcher
from simulator.stack.reactions import react
from simulator.stack.script import VISA, Action, Script, card_label

PARALLEL = 16  # calls in flight at once; on 2 cores set-up ran about 20% faster than with 8, 32 no faster


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


async def set_up_population(client: StackClient, run: StackRun, population: list[Any]) -> World:
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


async def _replace_card(world: World, customer: str, card: str) -> None:
    """The model's customer has one card: a new one replaces it, so no old card is left
    on the stack for dunning to fall back on as a backup."""
    cards = f"/v1/customers/{customer}/payment-methods"
    added = await world.client.admin_post(cards, {"payment_method": card})
    for old in (await world.client.admin_get(cards))["data"]:
        if old["id"] != added["id"]:
            await world.client.admin_delete(f"{cards}/{old['id']}")


async def _act(world: World, action: Action, day: int) -> None:
    try:
        if action.kind == "card":
            await _replace_card(world, world.customers[action.customer], action.card)
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


async def play_day(world: World, actions: list[Action], leaving: list[int], day: int) -> None:
    """The day's actions, customers side by side: each customer's in order, as they come."""
    by_customer: dict[int, list[Action]] = {}
    for action in actions:
        by_customer.setdefault(action.customer, []).append(action)

    async def one(mine: list[Action]) -> None:
        for action in mine:
            await _act(world, action, day)

    await bounded_map(one, list(by_customer.values()), at_once=PARALLEL)
    await bounded_map(lambda index: _leave_after_pause(world, index), leaving, at_once=PARALLEL)


def answer_messages(
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
