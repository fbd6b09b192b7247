"""Every message billing handles, and its one handler: the only place they are wired.

A new use case is a command (or query) class, a handler `(message, work)` and one line
here; the routes, consumers and scheduler only build messages and call the bus.
"""

from __future__ import annotations

from billing.adapters.gateways.port import PaymentGateway
from billing.service_layer import commands
from billing.service_layer.billing_run import (
    CountDueWork,
    NextDueAt,
    RunDueWork,
    count_due_work,
    next_due_at,
    run_due_work,
)
from billing.service_layer.card_wallet import (
    ListCards,
    MakeDefaultCard,
    RemoveCard,
    list_cards,
    make_default_card,
    remove_card,
)
from billing.service_layer.collection import IN_FLIGHT, Collector, CollectPending
from billing.service_layer.customers import (
    ChangeCustomerLocale,
    FindCustomer,
    RegisterCustomer,
    change_customer_locale,
    find_customer,
    register_customer,
)
from billing.service_layer.invoice_queries import ListInvoices, ShowInvoice, list_invoices, show_invoice
from billing.service_layer.leases import ChargeLeases
from billing.service_layer.payment_methods import (
    AddCard,
    ApplyCardUpdate,
    CardHandlers,
    StartCardSetup,
    apply_card_update,
)
from billing.service_layer.plans import DefinePlan, ShowPlan, define_plan, show_plan
from billing.service_layer.subscriptions import (
    CancelSubscriptionNow,
    ShowSubscription,
    StartSubscription,
    SubscriptionHandlers,
    show_subscription,
)
from billing.service_layer.unit_of_work import BillingUnitOfWork, UnitOfWorkFactory
from shared.bus import MessageBus
from shared.contracts.commands import CancelSubscription, RetryPayment
from shared.contracts.pause import PauseCanceled, PauseEnded, PauseExtended, PauseScheduled, PauseStarted


def billing_bus(
    uow: UnitOfWorkFactory, gateway: PaymentGateway, leases: ChargeLeases, *, concurrency: int = IN_FLIGHT
) -> MessageBus[BillingUnitOfWork]:
    bus = MessageBus(uow)
    subscriptions = SubscriptionHandlers(uow, gateway, leases)
    bus.command(RegisterCustomer, register_customer)
    bus.command(FindCustomer, find_customer)
    bus.command(ChangeCustomerLocale, change_customer_locale)
    bus.command(DefinePlan, define_plan)
    bus.command(ShowPlan, show_plan)
    bus.command(StartSubscription, subscriptions.start)
    bus.command(CancelSubscriptionNow, subscriptions.cancel)
    bus.command(ShowSubscription, show_subscription)
    bus.command(ListInvoices, list_invoices)
    bus.command(ShowInvoice, show_invoice)
    cards = CardHandlers(gateway)
    bus.process(AddCard, cards.add)
    bus.process(StartCardSetup, cards.start_setup)
    bus.command(ApplyCardUpdate, apply_card_update)
    bus.command(ListCards, list_cards)
    bus.command(MakeDefaultCard, make_default_card)
    bus.command(RemoveCard, remove_card)
    bus.process(RunDueWork, run_due_work)
    bus.process(CollectPending, Collector(gateway, leases, concurrency).collect_pending)
    bus.command(CountDueWork, count_due_work)
    bus.command(NextDueAt, next_due_at)

    bus.event(RetryPayment, commands.retry_payment)
    bus.event(CancelSubscription, commands.cancel)
    bus.event(PauseScheduled, commands.pause_scheduled)
    bus.event(PauseStarted, commands.pause_started)
    bus.event(PauseExtended, commands.pause_extended)
    bus.event(PauseEnded, commands.pause_ended)
    bus.event(PauseCanceled, commands.pause_ended)
    return bus
