"""Pausing, resuming early, extending, and the cancel flow that offers a pause first.

A customer asking about someone else's subscription gets "not found", so a token never
even confirms that another customer's subscription exists.
"""

from __future__ import annotations

from datetime import timedelta

from pause.domain.cancel_intent import CancelIntent
from pause.domain.eligibility import Eligibility, check_eligibility
from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicies
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.customer_messages import (
    CONFIRMED_TEMPLATE,
    EXTENDED_TEMPLATE,
    RESUMED_TEMPLATE,
    CustomerMail,
    tell_customer,
)
from pause.service_layer.messages import (
    ConfirmCancel,
    DurationOption,
    ExtendPause,
    GetPauseOptions,
    ListPauses,
    PauseOptions,
    PauseSubscription,
    Principal,
    RecordCancelIntent,
    ResumeEarly,
)
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.calendar import add_months
from shared.contracts.commands import CancelSubscription
from shared.errors import Conflict, DomainError, NotFound

CANCEL_INTENT_LINKS_PAUSES_FOR = timedelta(days=30)


class NotEligible(Conflict):
    def __init__(self, eligibility: Eligibility) -> None:
        super().__init__(
            "subscription_id",
            eligibility.message or "not eligible for a pause",
            eligibility.reason or "not_eligible",
        )


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
    query: GetPauseOptions, work: PauseUnitOfWork, policies: PausePolicies
) -> PauseOptions:
    view = await _subscription(work, query.subscription_id, query.who)
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
        refused_until=eligibility.until,
        fee_per_month=fee,
        regular_price=view.price,
        durations=[
            DurationOption(months, starts, add_months(starts, months), fee * months)
            for months in policy.durations
        ],
    )


async def pause_subscription(
    command: PauseSubscription, work: PauseUnitOfWork, policies: PausePolicies, mail: CustomerMail
) -> BeachPause:
    view = await _subscription(work, command.subscription_id, command.who)
    now = work.clock.now()
    policy = policies.for_plan(view.plan_code)
    offer = _is_dunning_offer(view)
    if not offer:
        command.who.must_be_full_session("pause outside the beach offer")
    eligibility = check_eligibility(
        view, await work.pauses.for_subscription(view.id), now, policy, dunning_offer=offer
    )
    if not eligibility.eligible:
        raise NotEligible(eligibility)
    pause = BeachPause.schedule(view, command.months, now, policy, "dunning_offer" if offer else "portal")
    await work.pauses.add(pause)
    await tell_customer(work, mail, pause, CONFIRMED_TEMPLATE, now, fee=pause.fee_per_month)
    for intent in await work.cancel_intents.pending_for(view.id, now - CANCEL_INTENT_LINKS_PAUSES_FOR):
        intent.became_pause(now)
        await work.cancel_intents.save(intent)
    return pause


async def resume_early(command: ResumeEarly, work: PauseUnitOfWork, mail: CustomerMail) -> BeachPause:
    """A pause that had begun earns a welcome back; one called off before it began, none."""
    command.who.must_be_full_session("resume a pause")
    pause = await _pause(work, command.pause_id, command.who)
    was_on_the_beach = pause.status is PauseStatus.ACTIVE
    now = work.clock.now()
    pause.resume_early(now)
    await work.pauses.save(pause)
    if was_on_the_beach:
        await tell_customer(work, mail, pause, RESUMED_TEMPLATE, now)
    return pause


async def extend_pause(
    command: ExtendPause, work: PauseUnitOfWork, policies: PausePolicies, mail: CustomerMail
) -> BeachPause:
    command.who.must_be_full_session("extend a pause")
    pause = await _pause(work, command.pause_id, command.who)
    view = await work.subscriptions.get(pause.subscription_id)
    policy = policies.for_plan(view.plan_code) if view else policies.default
    now = work.clock.now()
    pause.extend(command.months_more, now, policy)
    await work.pauses.save(pause)
    await tell_customer(work, mail, pause, EXTENDED_TEMPLATE, now)
    return pause


async def record_cancel_intent(
    command: RecordCancelIntent, work: PauseUnitOfWork, policies: PausePolicies
) -> tuple[CancelIntent, PauseOptions]:
    command.who.must_be_full_session("cancel")
    view = await _subscription(work, command.subscription_id, command.who)
    intent = CancelIntent.record(view.id, view.customer_id, command.reason, work.clock.now())
    await work.cancel_intents.add(intent)
    options = await pause_options(GetPauseOptions(view.id, command.who), work, policies)
    return intent, options


async def confirm_cancel(command: ConfirmCancel, work: PauseUnitOfWork) -> CancelIntent:
    command.who.must_be_full_session("cancel")
    intent = await work.cancel_intents.get(command.intent_id)
    if intent is None or not command.who.may_see(intent.customer_id):
        raise NotFound("intent_id", f"no cancel intent {command.intent_id}")
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
    return intent


async def list_pauses(query: ListPauses, work: PauseUnitOfWork) -> list[BeachPause]:
    """The admin key names the customer; a customer's token may only name itself."""
    target = query.customer_id or query.who.customer_id
    if target is None:
        raise DomainError("customer_id", "required with the admin key")
    if not query.who.may_see(target):
        raise NotFound("customer_id", f"no customer {target}")
    return await work.pauses.for_customer(target)
