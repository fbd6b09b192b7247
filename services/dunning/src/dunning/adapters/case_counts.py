"""How many dunning cases stand in each state, for the `dunning_cases` gauge.

An open case's state is `open`; a closed one's is its outcome. One grouped count,
read when Prometheus scrapes (`shared.http.scrape`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dunning.adapters.orm import dunning_cases
from dunning.domain.case_facts import CaseStatus
from dunning.metrics import set_case_states
from shared.db.engine import reading


async def cases_by_state(engine: AsyncEngine) -> dict[str, int]:
    t = dunning_cases
    async with reading(engine) as conn:
        rows = await conn.execute(
            select(t.c.status, t.c.outcome, func.count()).group_by(t.c.status, t.c.outcome)
        )
    counts: dict[str, int] = {}
    for status, outcome, count in rows:
        state = status if status == CaseStatus.OPEN.value or outcome is None else outcome
        counts[state] = counts.get(state, 0) + int(count)
    return counts


async def measure_cases(engine: AsyncEngine) -> None:
    set_case_states(await cases_by_state(engine))
