"""Defining plans."""

from __future__ import annotations

from dataclasses import dataclass

from billing.domain.plan import Plan
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import Command, Query
from shared.errors import Conflict, NotFound


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


@dataclass(frozen=True)
class ShowPlan(Query[Plan]):
    code: str


async def show_plan(query: ShowPlan, work: BillingUnitOfWork) -> Plan:
    plan = await work.plans.get(query.code)
    if plan is None:
        raise NotFound("code", f"no plan {query.code!r}")
    return plan
