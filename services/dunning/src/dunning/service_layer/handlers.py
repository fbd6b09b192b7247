"""Every dunning use case on one bus: the events it consumes and the scheduler's messages."""

from __future__ import annotations

from collections.abc import Callable

from dunning.adapters.mailer import Mailer
from dunning.service_layer.cases import CaseHandlers
from dunning.service_layer.commands import (
    CheckRetention,
    CountDueCases,
    LookAtDueCases,
    NextDueAt,
    RunDueCases,
)
from dunning.service_layer.notifications import NotificationDelivery
from dunning.service_layer.payment_dates import ChoosePaymentDate, PaymentDates
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.recovery import OpenRecoveryLink, RecoveryLinks, RecoveryTokenHolder
from dunning.service_layer.retention import check_retention
from dunning.service_layer.run import ScheduledCases
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.contracts.billing import (
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
from shared.contracts.notifications import NotificationRequested
from shared.mail.writer import MessageWriter


def dunning_bus(
    unit_of_work: Callable[[], DunningUnitOfWork],
    *,
    book: PolicyBook,
    links: RecoveryLinks,
    mailer: Mailer,
    writer: MessageWriter | None = None,
) -> MessageBus[DunningUnitOfWork]:
    bus = MessageBus(unit_of_work)
    writer = writer or MessageWriter()
    cases = CaseHandlers(book, links, writer)
    bus.event(CustomerCreated, cases.customer_created)
    bus.event(CustomerUpdated, cases.customer_updated)
    bus.event(PaymentFailed, cases.payment_failed)
    bus.event(PaymentSucceeded, cases.payment_succeeded)
    bus.event(InvoicePaid, cases.invoice_paid)
    bus.event(PaymentMethodUpdated, cases.card_updated)
    bus.event(PaymentMethodExpiring, cases.card_expiring)
    bus.event(SubscriptionCanceled, cases.subscription_canceled)
    bus.event(SubscriptionPaused, cases.subscription_paused)
    bus.event(NotificationRequested, NotificationDelivery(mailer, unit_of_work).deliver)
    bus.process(OpenRecoveryLink, links.open)
    bus.command(RecoveryTokenHolder, links.holder)
    bus.command(ChoosePaymentDate, PaymentDates(book).choose)
    scheduled = ScheduledCases(book, links, writer)
    bus.command(LookAtDueCases, scheduled.look)
    bus.command(RunDueCases, scheduled.run)
    bus.command(CountDueCases, scheduled.count_due)
    bus.command(NextDueAt, scheduled.next_due_at)
    bus.command(CheckRetention, check_retention)
    return bus
