"""Pause's copy of what billing and dunning said about each subscription.

Eligibility needs the status, the paid period's end, the plan's beach fee and whether
a dunning case is open. Pause may not read billing's or dunning's tables, so it keeps
this replica, fed from `billing.events` and `dunning.events` through its inbox.

Facts can arrive out of order (a replay, a dead letter put back, a rebalance), so each
part of the replica keeps the sequence of the fact it came from, and an older fact never
overwrites a newer one: a `subscription.renewed` that arrives before its
`subscription.created` still leaves the renewed period. A subscription's dunning cases
only ever move forward (open, beach offered, closed), so the replica keeps each case and
derives the subscription's two flags from them. `SubscriptionReplica` keeps those rules.
"""

from __future__ import annotations

from pause.service_layer.repositories import CreatedFacts
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.billing import (
    ChargeContext,
    InvoicePaid,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from shared.contracts.dunning import DunningCaseClosed, DunningCaseOpened, DunningReminderSent

BEACH_OFFER_TEMPLATE = "dunning.beach_offer"


async def subscription_created(event: CloudEvent[SubscriptionCreated], work: PauseUnitOfWork) -> None:
    """Usually the first fact of its subscription, kept in one write; otherwise each part
    follows its own rule against what the earlier-arrived facts left."""
    data, replica = event.data, work.subscriptions
    facts = CreatedFacts(
        data.plan_code, data.price, data.beach_fee, data.status,
        data.current_period_start, data.current_period_end, data.sequence, data.plan_name,
    )  # fmt: skip
    if await replica.first_heard(data.subscription_id, data.customer_id, facts):
        return
    await replica.heard_of(data.subscription_id, data.customer_id)
    await replica.set_terms(data.subscription_id, data.plan_code, data.price, data.beach_fee, data.plan_name)
    await replica.set_status(data.subscription_id, data.status, data.sequence)
    await replica.set_period(
        data.subscription_id, data.current_period_start, data.current_period_end, data.sequence
    )


async def subscription_renewed(event: CloudEvent[SubscriptionRenewed], work: PauseUnitOfWork) -> None:
    """A renewal starts a new paid period, on the plan it names."""
    data, replica = event.data, work.subscriptions
    await replica.heard_of(data.subscription_id, data.customer_id)
    if data.plan_code:
        await replica.set_plan(data.subscription_id, data.plan_code)
    await replica.set_period(
        data.subscription_id, data.current_period_start, data.current_period_end, data.sequence
    )


async def subscription_resumed(event: CloudEvent[SubscriptionResumed], work: PauseUnitOfWork) -> None:
    """Back from a pause: a new paid period, and active again."""
    data, replica = event.data, work.subscriptions
    await replica.heard_of(data.subscription_id, data.customer_id)
    await replica.set_period(
        data.subscription_id, data.current_period_start, data.current_period_end, data.sequence
    )
    await replica.set_status(data.subscription_id, "active", data.sequence)


StatusFact = SubscriptionPastDue | SubscriptionPaused | SubscriptionCanceled


async def _status(work: PauseUnitOfWork, data: StatusFact, status: str) -> None:
    await work.subscriptions.heard_of(data.subscription_id, data.customer_id)
    await work.subscriptions.set_status(data.subscription_id, status, data.sequence)


async def subscription_past_due(event: CloudEvent[SubscriptionPastDue], work: PauseUnitOfWork) -> None:
    await _status(work, event.data, "past_due")


async def subscription_paused(event: CloudEvent[SubscriptionPaused], work: PauseUnitOfWork) -> None:
    await _status(work, event.data, "paused")


async def subscription_canceled(event: CloudEvent[SubscriptionCanceled], work: PauseUnitOfWork) -> None:
    await _status(work, event.data, "canceled")


async def invoice_paid(event: CloudEvent[InvoicePaid], work: PauseUnitOfWork) -> None:
    """A paid subscription invoice ends `past_due` (billing says so with no subscription
    event of its own); a paid beach fee counts for the report."""
    data = event.data
    if data.context is ChargeContext.BEACH_FEE:
        await work.fee_payments.paid(data.invoice_id, data.subscription_id, data.total, data.paid_at)
        return
    await work.subscriptions.heard_of(data.subscription_id, data.customer_id)
    await work.subscriptions.invoice_paid(data.subscription_id, data.sequence)


async def dunning_case_opened(event: CloudEvent[DunningCaseOpened], work: PauseUnitOfWork) -> None:
    data = event.data
    await work.subscriptions.heard_of(data.subscription_id, data.customer_id)
    await work.subscriptions.dunning_case(data.subscription_id, data.case_id)


async def dunning_reminder_sent(event: CloudEvent[DunningReminderSent], work: PauseUnitOfWork) -> None:
    data = event.data
    await work.subscriptions.heard_of(data.subscription_id, data.customer_id)
    offered = data.template_id == BEACH_OFFER_TEMPLATE
    await work.subscriptions.dunning_case(data.subscription_id, data.case_id, offered=offered)


async def dunning_case_closed(event: CloudEvent[DunningCaseClosed], work: PauseUnitOfWork) -> None:
    data = event.data
    await work.subscriptions.heard_of(data.subscription_id, data.customer_id)
    await work.subscriptions.dunning_case(data.subscription_id, data.case_id, closed=True)
