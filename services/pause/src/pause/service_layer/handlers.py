"""Every message pause handles, and its one handler, registered in one place.

`pause_bus` is what `bootstrap` wires and what a use-case test builds on the in-memory
unit of work. Handlers that need the pause policies get them here, so every handler
the bus sees is `(message, work)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pause.domain.policy import PausePolicies
from pause.service_layer import messages as m
from pause.service_layer import pausing, schedule
from pause.service_layer import subscription_replica as replica
from pause.service_layer.card_replica import payment_method_updated
from pause.service_layer.customer_messages import CustomerMail
from pause.service_layer.dunning_pause import dunning_case_closed
from pause.service_layer.portal_summary import (
    customer_locale,
    customer_timezone,
    open_dunning_case,
    portal_summary,
)
from pause.service_layer.unit_of_work import PauseUnitOfWork, UnitOfWorkFactory
from shared.bus import MessageBus
from shared.contracts import billing, dunning
from shared.customers.profiles import remember_changed_customer, remember_customer

M = TypeVar("M")
R = TypeVar("R")
Bus = MessageBus[PauseUnitOfWork]


def _given(
    policies: PausePolicies, handler: Callable[[M, PauseUnitOfWork, PausePolicies], Awaitable[R]]
) -> Callable[[M, PauseUnitOfWork], Awaitable[R]]:
    async def handle(message: M, work: PauseUnitOfWork) -> R:
        return await handler(message, work, policies)

    return handle


def _writing(
    policies: PausePolicies,
    mail: CustomerMail,
    handler: Callable[[M, PauseUnitOfWork, PausePolicies, CustomerMail], Awaitable[R]],
) -> Callable[[M, PauseUnitOfWork], Awaitable[R]]:
    """For the handlers that write to the customer as well."""

    async def handle(message: M, work: PauseUnitOfWork) -> R:
        return await handler(message, work, policies, mail)

    return handle


def _written(
    mail: CustomerMail, handler: Callable[[M, PauseUnitOfWork, CustomerMail], Awaitable[R]]
) -> Callable[[M, PauseUnitOfWork], Awaitable[R]]:
    async def handle(message: M, work: PauseUnitOfWork) -> R:
        return await handler(message, work, mail)

    return handle


def pause_bus(
    unit_of_work: UnitOfWorkFactory, policies: PausePolicies, mail: CustomerMail | None = None
) -> Bus:
    bus = Bus(unit_of_work)
    _use_cases(bus, policies, mail or CustomerMail())
    _billing_events(bus)
    _dunning_events(bus, policies)
    return bus


def _use_cases(bus: Bus, policies: PausePolicies, mail: CustomerMail) -> None:
    bus.command(m.GetPauseOptions, _given(policies, pausing.pause_options))
    bus.command(m.PauseSubscription, _writing(policies, mail, pausing.pause_subscription))
    bus.command(m.ResumeEarly, _written(mail, pausing.resume_early))
    bus.command(m.ExtendPause, _writing(policies, mail, pausing.extend_pause))
    bus.command(m.RecordCancelIntent, _given(policies, pausing.record_cancel_intent))
    bus.command(m.ConfirmCancel, pausing.confirm_cancel)
    bus.command(m.ListPauses, pausing.list_pauses)
    bus.command(m.GetPortalSummary, _given(policies, portal_summary))
    bus.command(m.CustomerTimezone, customer_timezone)
    bus.command(m.OpenDunningCase, open_dunning_case)
    bus.command(m.CustomerLocale, customer_locale)
    bus.command(m.RunDuePauseMoments, _writing(policies, mail, schedule.run_due))
    bus.command(m.CountDuePauseMoments, _given(policies, schedule.count_due))
    bus.command(m.NextPauseMoment, _given(policies, schedule.next_due_at))


def _billing_events(bus: Bus) -> None:
    bus.event(billing.CustomerCreated, remember_customer)
    bus.event(billing.CustomerUpdated, remember_changed_customer)
    bus.event(billing.PaymentMethodUpdated, payment_method_updated)
    bus.event(billing.SubscriptionCreated, replica.subscription_created)
    bus.event(billing.SubscriptionRenewed, replica.subscription_renewed)
    bus.event(billing.SubscriptionResumed, replica.subscription_resumed)
    bus.event(billing.SubscriptionPastDue, replica.subscription_past_due)
    bus.event(billing.SubscriptionPaused, replica.subscription_paused)
    bus.event(billing.SubscriptionCanceled, replica.subscription_canceled)
    bus.event(billing.InvoicePaid, replica.invoice_paid)


def _dunning_events(bus: Bus, policies: PausePolicies) -> None:
    bus.event(dunning.DunningCaseOpened, replica.dunning_case_opened)
    bus.event(dunning.DunningReminderSent, replica.dunning_reminder_sent)
    bus.event(dunning.DunningCaseClosed, _given(policies, dunning_case_closed))
