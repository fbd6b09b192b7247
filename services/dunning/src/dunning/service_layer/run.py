"""Dunning's scheduler step: ask the policy what is due for each case, and do it.

Every message carries a recovery link of its own, issued in the transaction that queues
the message (`recovery`), so the scheduler asks nobody else for links.
"""

from __future__ import annotations

from datetime import datetime

from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.decisions import Close, Decision, OfferBeach, Remind, Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.service_layer.commands import CountDueCases, DueCases, LookAtDueCases, NextDueAt, RunDueCases
from dunning.service_layer.messages import case_message
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import RecoveryLinks
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.commands import CancelSubscription, RetryPayment
from shared.contracts.dunning import CaseOutcome
from shared.contracts.notifications import NotificationRequested
from shared.mail.writer import MessageWriter
from shared.tracing import resumed_span


async def save(work: DunningUnitOfWork, case: DunningCase, book: PolicyBook, now: datetime) -> None:
    """Store the case with the moment it next needs attention (none once closed)."""
    due = next_due(case, now, book.for_case(case.policy_version)) if case.is_open else None
    await work.cases.save(case, due)


async def act(
    work: DunningUnitOfWork,
    case: DunningCase,
    decision: Decision,
    now: datetime,
    links: RecoveryLinks,
    writer: MessageWriter,
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
                payment_method_id=case.backup_card if decision.reason is RetryReason.BACKUP_CARD else None,
            )
        )
    elif isinstance(decision, Remind | OfferBeach):
        await _remind(work, case, decision.template_id, now, links, writer)
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


async def _remind(
    work: DunningUnitOfWork,
    case: DunningCase,
    template_id: str,
    now: datetime,
    links: RecoveryLinks,
    writer: MessageWriter,
) -> None:
    """The reminder or offer, written in the customer's language, with a recovery link of
    its own; no profile yet, no message."""
    customer = await work.customers.get(case.customer_id)
    if customer is None:
        return
    link = await links.issue(work, case.customer_id, case.id, now)
    message = case_message(writer, template_id, customer, case.amount_due, case.decline_code, link)
    work.emit(
        NotificationRequested(
            notification_id=f"ntf_{case.id}_{case.contacts}",
            customer_id=case.customer_id,
            subscription_id=case.subscription_id,
            to=customer.email,
            template_id=template_id,
            subject_line=message.subject,
            body_text=message.text,
            body_html=message.html,
            locale=customer.locale,
            action_url=link,
            amount_due=case.amount_due,
            requested_at=now,
        )
    )


class ScheduledCases:
    """The scheduler's messages: look at the due cases, run them, say what is due when."""

    def __init__(self, book: PolicyBook, links: RecoveryLinks, writer: MessageWriter) -> None:
        self.book, self.links, self.writer = book, links, writer

    async def look(self, query: LookAtDueCases, work: DunningUnitOfWork) -> DueCases:
        """How many cases are due; they are locked only by `run`."""
        now = work.clock.now()
        return DueCases(now, len(await work.cases.due(now, query.batch, lock=False)))

    async def run(self, command: RunDueCases, work: DunningUnitOfWork) -> int:
        done = 0
        for case in await work.cases.due(command.now, command.batch):
            policy = self.book.for_case(case.policy_version)
            with resumed_span("dunning.scheduler due case", case.trace):  # the case's own trace
                for decision in decide(case, command.now, policy):
                    await act(work, case, decision, command.now, self.links, self.writer)
                    done += 1
            await save(work, case, self.book, command.now)
        return done

    async def count_due(self, query: CountDueCases, work: DunningUnitOfWork) -> int:
        return await work.cases.count_due(work.clock.now())

    async def next_due_at(self, query: NextDueAt, work: DunningUnitOfWork) -> datetime | None:
        return await work.cases.next_due_at()
