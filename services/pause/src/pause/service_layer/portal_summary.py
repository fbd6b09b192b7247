"""Everything the portal's home page shows one customer, read in one unit of work.

The page is built only from the session's customer id, so a portal cookie can never
reveal another customer's subscription, pause or card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pause.domain.card_on_file import CardOnFile
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.unit_of_work import UnitOfWorkFactory

LIVE = (PauseStatus.SCHEDULED, PauseStatus.ACTIVE)


@dataclass(frozen=True)
class PortalSummary:
    customer_id: str
    name: str | None
    subscriptions: list[SubscriptionView]
    live_pauses: dict[str, BeachPause]
    card: CardOnFile | None
    now: datetime
    extension_room: dict[str, int] = field(default_factory=dict)


async def portal_summary(customer_id: str, uow: UnitOfWorkFactory, policies: PausePolicies) -> PortalSummary:
    async with uow().read_only() as work:
        views = await work.subscriptions.of_customer(customer_id)
        pauses = await work.pauses.for_customer(customer_id)
        card = await work.cards.of(customer_id)
        profile = await work.customers.get(customer_id)
        now = work.clock.now()
    return PortalSummary(
        customer_id=customer_id,
        name=profile.name if profile else None,
        subscriptions=views,
        live_pauses={p.subscription_id: p for p in pauses if p.status in LIVE},
        card=card,
        now=now,
        extension_room={
            v.id: policies.for_plan(v.plan_code).max_total_months - p.months
            for v in views
            for p in pauses
            if p.subscription_id == v.id and p.status in LIVE
        },
    )
