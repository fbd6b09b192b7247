"""The synthetic subscriber base: who each customer is and what will happen to their card.

A customer is drawn from their own random stream, seeded by (seed, index), so the same
customer is the same person under every policy and in every worker process: policy
comparisons are paired, and splitting the work never changes the answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from simulator.assumptions import TIMEZONES, Assumptions, PlanMix

RUN_START = datetime(2026, 1, 1, tzinfo=UTC)
"""The model's simulated time starts here unless told otherwise; every subscription is
already running, anchored in the month before."""


@dataclass(frozen=True, slots=True)
class BreakChoice:
    """What the customer will choose when they want a break, fixed at the start so that
    both engines play the same choice: take the pause offered first (for how long), and
    come back after it."""

    takes_pause: bool
    months: int
    returns: bool


@dataclass(frozen=True, slots=True)
class Customer:
    """Facts fixed at the start; what happens during dunning is drawn as it happens."""

    index: int
    plan: PlanMix
    timezone: str
    anchor: datetime
    card_expires_at: datetime | None
    card_lost_at: datetime | None
    wants_break_at: datetime | None
    break_choice: BreakChoice


def customer_stream(seed: int, index: int, purpose: str = "") -> random.Random:
    """An independent, reproducible stream per customer (and per purpose, e.g. a policy)."""
    return random.Random(f"{seed}:{index}:{purpose}")


def _plan(rng: random.Random, plans: tuple[PlanMix, ...]) -> PlanMix:
    return rng.choices(plans, weights=[plan.share for plan in plans])[0]


def _sometime(rng: random.Random, share: float, days: int, start: datetime) -> datetime | None:
    if rng.random() >= share:
        return None
    return start + timedelta(days=rng.uniform(0, days))


def _wants_break(rng: random.Random, per_month: float, months: int, start: datetime) -> datetime | None:
    for month in range(months):
        if rng.random() < per_month:
            return start + timedelta(days=30.4 * month + rng.uniform(0, 30))
    return None


def _anchor_before(start: datetime, rng: random.Random) -> datetime:
    """A moment in the calendar month before `start`'s, on a day every month has."""
    first = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_before = (first - timedelta(days=1)).replace(day=1)
    return month_before.replace(day=rng.randint(1, 28), hour=rng.randint(0, 23), minute=rng.randint(0, 59))


def _break_choice(seed: int, index: int, a: Assumptions) -> BreakChoice:
    rng = customer_stream(seed, index, "break")
    takes = rng.random() < a.takes_pause_share
    months = rng.choices((1, 2, 3), weights=a.pause_months_weights)[0]
    return BreakChoice(takes, months, rng.random() < a.returns_after_pause_share)


def draw_customer(
    seed: int, index: int, months: int, assumptions: Assumptions, start: datetime = RUN_START
) -> Customer:
    """The customer, for a run that starts at `start`: their facts fall in its months."""
    rng = customer_stream(seed, index)
    plan = _plan(rng, assumptions.plans)
    anchor = _anchor_before(start, rng)
    days = int(months * 30.4)
    return Customer(
        index=index,
        plan=plan,
        timezone=rng.choice(TIMEZONES[plan.currency]),
        anchor=anchor,
        card_expires_at=_sometime(rng, assumptions.card_expires_share * months / 12, days, start),
        card_lost_at=_sometime(rng, assumptions.card_lost_share * months / 12, days, start),
        wants_break_at=_wants_break(rng, assumptions.wants_break_per_month, months, start),
        break_choice=_break_choice(seed, index, assumptions),
    )


def draw_population(
    seed: int, count: int, months: int, assumptions: Assumptions, start: datetime = RUN_START
) -> list[Customer]:
    return [draw_customer(seed, index, months, assumptions, start) for index in range(count)]
