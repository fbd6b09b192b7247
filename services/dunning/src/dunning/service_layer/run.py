"""Dunning's scheduler step: ask the policy what is due for each case, and do it.

Links for reminders come from billing (HTTP), so they are fetched before the
transaction that records the reminders, never while it holds locks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dunning.adapters.portal_links import CardUpdateLinks
from dunning.domain.case import DunningCase
from dunning.domain.decisions import Close, Decision, OfferBeach, Remind, Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.service_layer.messages import body_for, subject_for
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.concurrency import bounded_map
from shared.contracts.commands import CancelSubscription, RetryPayment
from shared.contracts.dunning import CaseOutcome
from shared.contracts.notifications import NotificationRequested

UnitOfWorkFactory = Callable[[], DunningUnitOfWork]


async def save(work: DunningUnitOfWork, case: DunningCase, book: PolicyBook, now: datetime) -> None:
    """Store the case with the moment it next needs attention (none once closed)."""
    due = next_due(case, now, book.for_case(case.policy_version)) if case.is_open else None
    await work.cases.save(case, due)


async def act(
    work: DunningUnitOfWork, case: DunningCase, decision: Decision, now: datetime, link: str
) -> None:
    """Apply one decision to the case and queue the messages it means, in one transaction."""
    apply(case, decision, now)
    if isinstance(decision, Retry):
        work.emit(
            RetryPayment(
                invoice_id=case.invoice_id,
                subscription_id=case.subscription_id,
                customer_id=case.customer_id,
                case_id=case.id,
                reason=decision.reason.value,
                requested_at=now,
            )
        )
    elif isinstance(decision, Remind | OfferBeach):
        customer = await work.customers.get(case.customer_id)
        if customer is not None:
            work.emit(
                NotificationRequested(
                    notification_id=f"ntf_{case.id}_{case.contacts}",
                    customer_id=case.customer_id,
                    subscription_id=case.subscription_id,
                    to=customer.email,
                    template_id=decision.template_id,
                    subject_line=subject_for(decision.template_id),
                    body_text=body_for(
                        decision.template_id, customer, case.amount_due, case.decline_code, link
                    ),
                    action_url=link,
                    amount_due=case.amount_due,
                    requested_at=now,
                )
            )
    elif isinstance(decision, Close) and decision.outcome is CaseOutcome.CANCELED:
        work.emit(
            CancelSubscription(
                subscription_id=case.subscription_id,
                customer_id=case.customer_id,
                reason="payment not recovered within the dunning window",
                requested_by="dunning",
                case_id=case.id,
                requested_at=now,
            )
        )


async def run_due(uow: UnitOfWorkFactory, book: PolicyBook, links: CardUpdateLinks, batch: int = 200) -> int:
    async with uow().read_only() as work:  # which links to fetch; the cases are locked below
        now = work.clock.now()
        due = await work.cases.due(now, batch, lock=False)
        needs_link = {
            case.customer_id
            for case in due
            if any(
                isinstance(d, Remind | OfferBeach)
                for d in decide(case, now, book.for_case(case.policy_version))
            )
        }
    if not due:
        return 0
    urls = await _links(links, needs_link)
    done = 0
    async with uow() as work:
        for case in await work.cases.due(now, batch):
            policy = book.for_case(case.policy_version)
            for decision in decide(case, now, policy):
                await act(work, case, decision, now, urls.get(case.customer_id, ""))
                done += 1
            await save(work, case, book, now)
        await work.commit()
    return done


async def _links(links: CardUpdateLinks, customer_ids: set[str]) -> dict[str, str]:
    """Each customer's card-update link, a few asked of billing at a time: a payday
    brings reminders for many cases at the same moment."""
    ordered = sorted(customer_ids)
    return dict(zip(ordered, await bounded_map(links.link_for, ordered, at_once=8), strict=True))
