"""Everything the portal's home page shows one customer, read in one unit of work.

The page is built only from the session's customer id, so a portal cookie can never
reveal another customer's subscription, pause or card.
"""

from __future__ import annotations

from pause.domain.pause import PauseStatus
from pause.domain.policy import PausePolicies
from pause.service_layer.messages import (
    CustomerLocale,
    CustomerTimezone,
    GetPortalSummary,
    OpenDunningCase,
    PortalSummary,
)
from pause.service_layer.unit_of_work import PauseUnitOfWork

LIVE = (PauseStatus.SCHEDULED, PauseStatus.ACTIVE)


async def portal_summary(
    query: GetPortalSummary, work: PauseUnitOfWork, policies: PausePolicies
) -> PortalSummary:
    customer_id = query.customer_id
    views = await work.subscriptions.of_customer(customer_id)
    pauses = await work.pauses.for_customer(customer_id)
    profile = await work.customers.get(customer_id)
    return PortalSummary(
        customer_id=customer_id,
        name=profile.name if profile else None,
        subscriptions=views,
        live_pauses={p.subscription_id: p for p in pauses if p.status in LIVE},
        card=await work.cards.of(customer_id),
        now=work.clock.now(),
        extension_room={
            v.id: policies.for_plan(v.plan_code).max_total_months - p.months
            for v in views
            for p in pauses
            if p.subscription_id == v.id and p.status in LIVE
        },
    )


async def customer_timezone(query: CustomerTimezone, work: PauseUnitOfWork) -> str:
    profile = await work.customers.get(query.customer_id)
    return profile.timezone if profile else "UTC"


async def open_dunning_case(query: OpenDunningCase, work: PauseUnitOfWork) -> str | None:
    return await work.subscriptions.open_case_of(query.customer_id)


async def customer_locale(query: CustomerLocale, work: PauseUnitOfWork) -> str:
    profile = await work.customers.get(query.customer_id)
    return profile.locale if profile else "en"
