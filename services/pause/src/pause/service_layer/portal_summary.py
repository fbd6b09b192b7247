"""Everything the portal's home page shows one customer, read in one unit of work.

The page is built only from the session's customer id, so a portal cookie can never
reveal another customer's subscription, pause or card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from pause.adapters.orm import subscription_views
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.card_replica import CardOnFile, card_of
from pause.service_layer.pausing import UnitOfWorkFactory

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
        ids = (
            await work.session.execute(
                select(subscription_views.c.id)
                .where(subscription_views.c.customer_id == customer_id)
                .order_by(subscription_views.c.current_period_start)
            )
        ).scalars()
        views = [view for i in ids if (view := await work.subscriptions.get(i)) is not None]
        pauses = await work.pauses.for_customer(customer_id)
        card = await card_of(work.session, customer_id)
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
