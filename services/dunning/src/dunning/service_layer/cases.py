"""Dunning's reactions to billing's facts: open, recover, retry on a new card, close.

Each runs inside the consumer's unit of work, with the inbox claim, so a duplicated
`payment.failed` cannot open a second case (the invoice id is unique as well). Facts can
arrive out of order (a replay, a dead letter put back later), so dunning remembers the
facts that end a case's reason to exist, and a failure older than one of them opens no
case: an invoice paid (by any attempt), a subscription canceled or put on the beach after
the failure. We never nag a customer who paid.
"""

from __future__ import annotations

import secrets

from dunning.domain.backup_card import backup_to_try
from dunning.domain.case import DunningCase
from dunning.domain.decisions import Retry
from dunning.domain.engine import decide, next_due
from dunning.service_layer.messages import CARD_EXPIRING_TEMPLATE, card_expiring_message
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import RecoveryLinks
from dunning.service_layer.run import act, save
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.billing import (
    ChargeContext,
    CustomerCreated,
    CustomerUpdated,
    InvoicePaid,
    PaymentFailed,
    PaymentMethodExpiring,
    PaymentMethodUpdated,
    PaymentSucceeded,
    SubscriptionCanceled,
    SubscriptionPaused,
)
from shared.contracts.dunning import CaseOutcome
from shared.contracts.notifications import NotificationRequested
from shared.mail.writer import MessageWriter
from shared.money import Money
from shared.tracing import current_traceparent


def new_case_id() -> str:
    return f"dc_{secrets.token_hex(12)}"


class CaseHandlers:
    def __init__(self, book: PolicyBook, links: RecoveryLinks, writer: MessageWriter) -> None:
        self.book, self.links, self.writer = book, links, writer

    async def card_expiring(self, event: CloudEvent[PaymentMethodExpiring], work: DunningUnitOfWork) -> None:
        """Pre-dunning: one friendly heads-up before the card on file expires.

        Billing announces each card once; the notification id is the event's, so a
        redelivery writes the same message, not a second one.
        """
        data = event.data
        if not self.book.for_new_case(data.customer_id).sends_messages:
            return  # the holdout hears nothing from us, not even before a failure
        customer = await work.customers.get(data.customer_id)
        if customer is None:
            return
        link = await self.links.issue(work, data.customer_id, None, work.clock.now())
        card = f"{data.brand.title()} •••• {data.last4}"
        message = card_expiring_message(self.writer, customer, card, data.expires_on, link)
        work.emit(
            NotificationRequested(
                notification_id=f"ntf_{event.id}",
                customer_id=data.customer_id,
                to=customer.email,
                template_id=CARD_EXPIRING_TEMPLATE,
                subject_line=message.subject,
                body_text=message.text,
                body_html=message.html,
                locale=customer.locale,
                action_url=link,
                requested_at=work.clock.now(),
            )
        )

    async def payment_failed(self, event: CloudEvent[PaymentFailed], work: DunningUnitOfWork) -> None:
        data = event.data
        if data.context is ChargeContext.BEACH_FEE:
            return  # a failed beach fee never starts dunning: the pause just continues
        if await work.cases.by_invoice(data.invoice_id) is not None:
            return  # a failed retry: the case goes on
        if await work.settled_invoices.is_paid(data.invoice_id):
            return  # paid by another attempt whose news came first
        if await work.subscription_states.ended_after(data.subscription_id, data.sequence):
            return  # canceled or on the beach since this charge failed
        profile = await work.customers.get(data.customer_id)
        policy = self.book.for_new_case(data.customer_id)
        case = DunningCase.open(
            case_id=new_case_id(),
            subscription_id=data.subscription_id,
            customer_id=data.customer_id,
            invoice_id=data.invoice_id,
            amount_due=data.amount,
            decline_code=data.decline_code,
            failed_at=data.attempted_at,
            timezone=profile.timezone if profile else "UTC",
            policy=policy,
            failed_card=data.gateway_payment_method,
        )
        case.backup_card = backup_to_try(case.decline_class, data.backup_payment_method)
        case.trace = current_traceparent()
        await work.cases.add(case, next_due(case, work.clock.now(), policy))

    async def payment_succeeded(self, event: CloudEvent[PaymentSucceeded], work: DunningUnitOfWork) -> None:
        await self._paid(work, event.data.invoice_id, event.data.subscription_id, event.data.amount)

    async def invoice_paid(self, event: CloudEvent[InvoicePaid], work: DunningUnitOfWork) -> None:
        await self._paid(work, event.data.invoice_id, event.data.subscription_id, event.data.total)

    async def _paid(
        self, work: DunningUnitOfWork, invoice_id: str, subscription_id: str, amount: Money
    ) -> None:
        """Either fact of a payment recovers the case, whichever comes first."""
        await work.settled_invoices.remember(invoice_id, subscription_id, work.clock.now())
        case = await work.cases.by_invoice(invoice_id)
        if case is not None and case.is_open:
            case.recover(work.clock.now(), amount)
            await save(work, case, self.book, work.clock.now())

    async def card_updated(self, event: CloudEvent[PaymentMethodUpdated], work: DunningUnitOfWork) -> None:
        """A new card on an open case: retry at once, the moment most likely to work. A
        backup added beside a dead default is tried first, as if it had been there."""
        now, data = work.clock.now(), event.data
        for case in await work.cases.open_for(customer_id=data.customer_id):
            if not data.is_default:
                if case.retries or case.backup_card is not None:
                    continue
                case.backup_card = backup_to_try(case.decline_class, data.payment_method_id)
                if case.backup_card is None:
                    continue
            elif not case.card_updated(now, data.gateway_payment_method, data.source):
                continue
            policy = self.book.for_case(case.policy_version)
            for decision in decide(case, now, policy):
                if isinstance(decision, Retry):
                    await act(work, case, decision, now, self.links, self.writer)
            await save(work, case, self.book, now)

    async def subscription_canceled(
        self, event: CloudEvent[SubscriptionCanceled], work: DunningUnitOfWork
    ) -> None:
        await self._ended(
            work, event.data.subscription_id, event.data.sequence, "canceled", CaseOutcome.CANCELED
        )

    async def subscription_paused(
        self, event: CloudEvent[SubscriptionPaused], work: DunningUnitOfWork
    ) -> None:
        """On the beach while a case is open: that was the dunning offer, taken."""
        await self._ended(work, event.data.subscription_id, event.data.sequence, "paused", CaseOutcome.PAUSED)

    async def _ended(
        self,
        work: DunningUnitOfWork,
        subscription_id: str,
        sequence: int | None,
        status: str,
        outcome: CaseOutcome,
    ) -> None:
        now = work.clock.now()
        await work.subscription_states.remember(subscription_id, status, sequence)
        for case in await work.cases.open_for(subscription_id=subscription_id):
            case.close(outcome, now)
            await save(work, case, self.book, now)

    async def customer_created(self, event: CloudEvent[CustomerCreated], work: DunningUnitOfWork) -> None:
        """Remember the customer; a case opened before this arrived learns their timezone."""
        await self._learn(event.data, work)

    async def customer_updated(self, event: CloudEvent[CustomerUpdated], work: DunningUnitOfWork) -> None:
        """A changed profile (their language) is kept whole, as a new one is."""
        await self._learn(event.data, work)

    async def _learn(self, data: CustomerCreated, work: DunningUnitOfWork) -> None:
        await work.customers.remember(data)
        now = work.clock.now()
        for case in await work.cases.open_for(customer_id=data.customer_id):
            if case.customer_lives_in(data.timezone):
                await save(work, case, self.book, now)
