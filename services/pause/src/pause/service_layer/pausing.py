"""Pausing, resuming early, extending, and the cancel flow that offers a pause first.

Every use case acts for a `Principal`: the admin key, or one customer through a portal
token. A customer asking about someone else's subscription gets "not found", so a
token never even confirms that another customer's subscription exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pause.domain.calendar_months import add_months
from pause.domain.cancel_intent import CancelIntent
from pause.domain.eligibility import Eligibility, check_eligibility
from pause.domain.pause import BeachPause
from pause.domain.policy import PausePolicies
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.unit_of_work import PauseUnitOfWork, UnitOfWorkFactory
from shared.contracts.commands import CancelSubscription
from shared.errors import Conflict, NotFound
from shared.money import Money

CANCEL_INTENT_LINKS_PAUSES_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Principal:
    """Who is asking: `customer_id` is None for the admin key."""

    customer_id: str | None

    def may_see(self, customer_id: str) -> bool:
        return self.customer_id is None or self.customer_id == customer_id


class NotEligible(Conflict):
    def __init__(self, eligibility: Eligibility) -> None:
        super().__init__(
            "subscription_id",
            eligibility.message or "not eligible for a pause",
            eligibility.reason or "not_eligible",
        )


@dataclass(frozen=True)
class DurationOption:
    months: int
    starts_at: datetime
    resumes_at: datetime
    fee_total: Money


@dataclass(frozen=True)
class PauseOptions:
    subscription_id: str
    eligible: bool
    reason: str | None
    message: str | None
    fee_per_month: Money
    regular_price: Money
    durations: list[DurationOption]


async def _subscription(work: PauseUnitOfWork, subscription_id: str, who: Principal) -> SubscriptionView:
    view = await work.subscriptions.get(subscription_id)
    if view is None or not who.may_see(view.customer_id):
        raise NotFound("subscription_id", f"no subscription {subscription_id}")
    return view


async def _pause(work: PauseUnitOfWork, pause_id: str, who: Principal) -> BeachPause:
    pause = await work.pauses.get(pause_id)
    if pause is None or not who.may_see(pause.customer_id):
        raise NotFound("pause_id", f"no pause {pause_id}")
    return pause


def _is_dunning_offer(view: SubscriptionView) -> bool:
    return view.open_dunning_case and view.dunning_offer_open


async def pause_options(
    subscription_id: str, who: Principal, uow: UnitOfWorkFactory, policies: PausePolicies
) -> PauseOptions:
    """What the customer sees before confirming: durations, the fee and exact dates."""
    async with uow().read_only() as work:
        view = await _subscription(work, subscription_id, who)
        pauses = await work.pauses.for_subscription(view.id)
        now = work.clock.now()
    policy = policies.for_plan(view.plan_code)
    offer = _is_dunning_offer(view)
    eligibility = check_eligibility(view, pauses, now, policy, dunning_offer=offer)
    starts = now if offer else max(view.current_period_end, now)
    fee = policy.fee_for(view)
    return PauseOptions(
        subscription_id=view.id,
        eligible=eligibility.eligible,
        reason=eligibility.reason,
        message=eligibility.message,
        fee_per_month=fee,
        regular_price=view.price,
        durations=[
            DurationOption(months, starts, add_months(starts, months), fee * months)
            for months in policy.durations
        ],
    )


async def pause_subscription(
    subscription_id: str, months: int, who: Principal, uow: UnitOfWorkFactory, policies: PausePolicies
) -> BeachPause:
    async with uow() as work:
        view = await _subscription(work, subscription_id, who)
        now = work.clock.now()
        policy = policies.for_plan(view.plan_code)
        offer = _is_dunning_offer(view)
        eligibility = check_eligibility(
            view, await work.pauses.for_subscription(view.id), now, policy, dunning_offer=offer
        )
        if not eligibility.eligible:
            raise NotEligible(eligibility)
        pause = BeachPause.schedule(view, months, now, policy, "dunning_offer" if offer else "portal")
        await work.pauses.add(pause)
        for intent in await work.cancel_intents.pending_for(view.id, now - CANCEL_INTENT_LINKS_PAUSES_FOR):
            intent.became_pause(now)
            await work.cancel_intents.save(intent)
        await work.commit()
    return pause


async def resume_early(pause_id: str, who: Principal, uow: UnitOfWorkFactory) -> BeachPause:
    async with uow() as work:
        pause = await _pause(work, pause_id, who)
        pause.resume_early(work.clock.now())
        await work.pauses.save(pause)
        await work.commit()
    return pause


async def extend_pause(
    pause_id: str, months_more: int, who: Principal, uow: UnitOfWorkFactory, policies: PausePolicies
) -> BeachPause:
    async with uow() as work:
        pause = await _pause(work, pause_id, who)
        view = await work.subscriptions.get(pause.subscription_id)
        policy = policies.for_plan(view.plan_code) if view else policies.default
        pause.extend(months_more, work.clock.now(), policy)
        await work.pauses.save(pause)
        await work.commit()
    return pause


async def record_cancel_intent(
    subscription_id: str, reason: str, who: Principal, uow: UnitOfWorkFactory, policies: PausePolicies
) -> tuple[CancelIntent, PauseOptions]:
    """Note why the customer wants to leave, and answer with the beach offer first."""
    async with uow() as work:
        view = await _subscription(work, subscription_id, who)
        intent = CancelIntent.record(view.id, view.customer_id, reason, work.clock.now())
        await work.cancel_intents.add(intent)
        await work.commit()
    return intent, await pause_options(subscription_id, who, uow, policies)


async def confirm_cancel(intent_id: str, who: Principal, uow: UnitOfWorkFactory) -> CancelIntent:
    """The customer declined the pause: ask billing to cancel."""
    async with uow() as work:
        intent = await work.cancel_intents.get(intent_id)
        if intent is None or not who.may_see(intent.customer_id):
            raise NotFound("intent_id", f"no cancel intent {intent_id}")
        now = work.clock.now()
        intent.confirmed(now)
        await work.cancel_intents.save(intent)
        work.emit(
            CancelSubscription(
                subscription_id=intent.subscription_id,
                customer_id=intent.customer_id,
                reason=intent.reason,
                requested_by="customer",
                requested_at=now,
            )
        )
        await work.commit()
    return intent


async def list_pauses(customer_id: str, who: Principal, uow: UnitOfWorkFactory) -> list[BeachPause]:
    if not who.may_see(customer_id):
        return []
    async with uow().read_only() as work:
        return await work.pauses.for_customer(customer_id)
