"""Defining plans."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing.domain.plan import Plan
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import Command
from shared.errors import Conflict

UnitOfWorkFactory = Callable[[], BillingUnitOfWork]


class PlanExists(Conflict):
    pass


@dataclass(frozen=True)
class DefinePlan(Command[Plan]):
    code: str
    name: str
    amount: int
    currency: str
    interval: str
    beach_fee_amount: int | None = None


async def define_plan(command: DefinePlan, work: BillingUnitOfWork) -> Plan:
    plan = Plan.define(
        code=command.code,
        name=command.name,
        amount=command.amount,
        currency=command.currency,
        interval=command.interval,
        beach_fee_amount=command.beach_fee_amount,
    )
    if await work.plans.get(plan.code) is not None:
        raise PlanExists("code", f"a plan {plan.code!r} exists already; plans are immutable")
    await work.plans.add(plan, work.clock.now())
    return plan
