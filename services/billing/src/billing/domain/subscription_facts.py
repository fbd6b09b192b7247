"""The fact a new subscription announces: everything a consumer needs to know it by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.contracts.billing import SubscriptionCreated

if TYPE_CHECKING:
    from billing.domain.plan import Plan
    from billing.domain.subscription import Subscription


def subscription_created(subscription: Subscription, plan: Plan) -> SubscriptionCreated:
    """With the plan's name, so the portal shows what the customer bought, not its code."""
    return SubscriptionCreated(
        subscription_id=subscription.id,
        customer_id=subscription.customer_id,
        plan_code=plan.code,
        plan_name=plan.name,
        price=plan.price,
        interval=plan.interval,
        beach_fee=plan.beach_fee,
        status=subscription.status.value,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
    )
