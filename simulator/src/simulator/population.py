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
"""Simulated time starts here; every subscription is already running, anchored in December."""


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


def customer_stream(seed: int, index: int, purpose: str = "") -> random.Random:
    """An independent, reproducible stream per customer (and per purpose, e.g. a policy)."""
    return random.Random(f"{seed}:{index}:{purpose}")


def _plan(rng: random.Random, plans: tuple[PlanMix, ...]) -> PlanMix:
    return rng.choices(plans, weights=[plan.share for plan in plans])[0]


def _sometime(rng: random.Random, share: float, days: int) -> datetime | None:
    if rng.random() >= share:
        return None
    return RUN_START + timedelta(days=rng.uniform(0, days))


def _wants_break(rng: random.Random, per_month: float, months: int) -> datetime | None:
    for month in range(months):
        if rng.random() < per_month:
            return RUN_START + timedelta(days=30.4 * month + rng.uniform(0, 30))
    return None


def draw_customer(seed: int, index: int, months: int, assumptions: Assumptions) -> Customer:
    rng = customer_stream(seed, index)
    plan = _plan(rng, assumptions.plans)
    anchor = datetime(2025, 12, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), tzinfo=UTC)
    days = int(months * 30.4)
    return Customer(
        index=index,
        plan=plan,
        timezone=rng.choice(TIMEZONES[plan.currency]),
        anchor=anchor,
        card_expires_at=_sometime(rng, assumptions.card_expires_share * months / 12, days),
        card_lost_at=_sometime(rng, assumptions.card_lost_share * months / 12, days),
        wants_break_at=_wants_break(rng, assumptions.wants_break_per_month, months),
    )


def draw_population(seed: int, count: int, months: int, assumptions: Assumptions) -> list[Customer]:
    return [draw_customer(seed, index, months, assumptions) for index in range(count)]
