"""The writes a batch of facts leaves waiting in the subscription replica (PostgreSQL).

Each kind is one `UPDATE … FROM unnest(…)` for the whole batch, with the condition the
replica's rule has for one row (`subscription_replica`): a period only over an older
one, a paid invoice only over an older one, a plan whatever was there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sqlalchemy import Update, case, func, update

from pause.adapters.orm import subscription_views as v
from shared.db.bulk import rows_of

PERIOD = ("id", "current_period_start", "current_period_end", "period_sequence")
PLAN = ("id", "plan_code")
PAID = ("id", "paid_sequence")


def later_statement(kind: tuple[str, ...]) -> Update:
    """The batch's waiting writes of one kind, one row each (PostgreSQL)."""
    return _STATEMENTS[kind]()


@cache
def _plans() -> Update:
    """`set_plan`: the plan a renewal names, whatever was there."""
    given = rows_of(v, PLAN).subquery("given")
    return update(v).where(v.c.id == given.c.id).values(plan_code=given.c.plan_code)


@cache
def _periods() -> Update:
    """`set_period`: a period only over an older one (any, for a fact without a sequence)."""
    given = rows_of(v, PERIOD).subquery("given")
    newer = given.c.period_sequence.is_(None) | (v.c.period_sequence < given.c.period_sequence)
    return (
        update(v)
        .where(v.c.id == given.c.id, newer)
        .values(
            current_period_start=given.c.current_period_start,
            current_period_end=given.c.current_period_end,
            period_sequence=func.coalesce(given.c.period_sequence, v.c.period_sequence),
        )
    )


@cache
def _paid() -> Update:
    """`invoice_paid` and the `_paid_up` after it, as one statement. `_paid_up` leaves no
    row past due with a newer paid invoice, so after an older invoice's report (the
    condition fails) it would change nothing, and it need not run apart."""
    given = rows_of(v, PAID).subquery("given")
    paid = func.coalesce(given.c.paid_sequence, v.c.status_sequence + 1)
    over = (v.c.status == "past_due") & (paid > v.c.status_sequence)
    return (
        update(v)
        .where(v.c.id == given.c.id, v.c.paid_sequence < paid)
        .values(
            paid_sequence=paid,
            status=case((over, "active"), else_=v.c.status),
            status_sequence=case((over, paid), else_=v.c.status_sequence),
        )
    )


_STATEMENTS: dict[tuple[str, ...], Callable[[], Update]] = {PLAN: _plans, PERIOD: _periods, PAID: _paid}
