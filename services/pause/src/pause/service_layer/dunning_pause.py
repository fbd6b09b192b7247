"""When dunning's window ends with the final action "pause", put the customer on the beach.

Dunning closes the case with outcome `paused`; pausing is this service's job, so it
starts a dunning-offer pause at once (the shortest duration), unless the customer
already chose one from the offer.
"""

from __future__ import annotations

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.service_layer import subscription_replica
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.dunning import CaseOutcome, DunningCaseClosed


async def dunning_case_closed(
    event: CloudEvent[DunningCaseClosed], work: PauseUnitOfWork, policies: PausePolicies
) -> None:
    data = event.data
    if data.outcome is CaseOutcome.PAUSED:
        view = await work.subscriptions.get(data.subscription_id)
        pauses = await work.pauses.for_subscription(data.subscription_id)
        live = any(p.status in (PauseStatus.SCHEDULED, PauseStatus.ACTIVE) for p in pauses)
        if view is not None and view.status != "canceled" and not live:
            policy = policies.for_plan(view.plan_code)
            pause = BeachPause.schedule(
                view, min(policy.durations), work.clock.now(), policy, "dunning_offer"
            )
            await work.pauses.add(pause)
    await subscription_replica.dunning_case_closed(event, work)
