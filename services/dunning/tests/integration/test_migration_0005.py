"""Revision 0005 on a database that already has closed cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from dunning.adapters.orm import dunning_cases
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.testing.databases import DatabaseFactory

CLOSED_AT = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def old_case(case_id: str, outcome: str | None) -> dict[str, object]:
    return {
        "id": case_id, "invoice_id": f"in_{case_id}", "subscription_id": "sub_1", "customer_id": "cus_1",
        "amount_due": 1500, "currency": "USD", "decline_code": "expired_card",
        "decline_class": "expired_card", "policy_version": "gentle-v1", "variant": "gentle",
        "status": "closed" if outcome else "open", "outcome": outcome,
        "opened_at": CLOSED_AT - timedelta(days=5), "closed_at": CLOSED_AT if outcome else None,
        "reminders_sent": 0, "retries_made": 1, "state": "{}", "version": 1,
    }  # fmt: skip


async def test_cases_closed_before_it_get_their_thirty_day_check_scheduled(
    each_database: DatabaseFactory,
) -> None:
    engine = create_engine(await each_database.new("dunning_0005"))
    await upgrade(engine, "dunning", "0004")
    async with engine.begin() as conn:  # only the columns revision 0004 has
        for case_id, outcome in (("r", "recovered"), ("p", "paused"), ("c", "canceled"), ("o", None)):
            await conn.execute(insert(dunning_cases).values(old_case(case_id, outcome)))
    await upgrade(engine, "dunning")
    t = dunning_cases
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(t.c.id, t.c.retention_check_at, t.c.recovery_method).order_by(t.c.id))
        ).all()
    await engine.dispose()

    due = CLOSED_AT + timedelta(days=30)
    assert [tuple(row) for row in rows] == [
        ("c", None, None),
        ("o", None, None),
        ("p", due, None),
        ("r", due, None),
    ]
