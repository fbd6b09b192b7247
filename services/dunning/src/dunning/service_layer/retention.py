"""The 30-day retention check, run by the scheduler like any other due work.

It reads only what dunning already keeps (the newest pause or cancel fact per
subscription), so it needs no call to billing and survives replays: a case checked
once is never due again.
"""

from __future__ import annotations

from dunning.domain.retention import still_subscribed
from dunning.service_layer.commands import CheckRetention
from dunning.service_layer.unit_of_work import DunningUnitOfWork


async def check_retention(command: CheckRetention, work: DunningUnitOfWork) -> int:
    now = work.clock.now()
    due = await work.cases.retention_due(now, command.batch)
    for case in due:
        case.record_retention(
            now, still_subscribed(await work.subscription_states.latest_status(case.subscription_id))
        )
        await work.cases.save(case, None)
    return len(due)
