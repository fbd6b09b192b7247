"""What pause consumes: `billing.events` and `dunning.events`."""

from __future__ import annotations

from collections.abc import Callable

from pause.adapters.orm import customer_profiles
from pause.domain.policy import PausePolicies
from pause.service_layer import subscription_replica as replica
from pause.service_layer.card_replica import payment_method_updated
from pause.service_layer.dunning_pause import dunning_case_closed_handler
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.base import Topic
from shared.contracts.billing import (
    CustomerCreated,
    InvoicePaid,
    PaymentMethodUpdated,
    SubscriptionCanceled,
    SubscriptionCreated,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from shared.contracts.dunning import DunningCaseClosed, DunningCaseOpened, DunningReminderSent
from shared.customer_directory import remember_customer_handler
from shared.messaging.consumer import DeadLetters, EventConsumer


def pause_consumers(
    unit_of_work: Callable[[], PauseUnitOfWork], dead_letters: DeadLetters, policies: PausePolicies
) -> list[EventConsumer]:
    return [
        EventConsumer(
            name="pause.billing-events",
            topic=Topic.BILLING_EVENTS,
            handlers={
                CustomerCreated: remember_customer_handler(customer_profiles),
                PaymentMethodUpdated: payment_method_updated,
                SubscriptionCreated: replica.subscription_created,
                SubscriptionRenewed: replica.subscription_renewed,
                SubscriptionResumed: replica.subscription_resumed,
                SubscriptionPastDue: replica.subscription_past_due,
                SubscriptionPaused: replica.subscription_paused,
                SubscriptionCanceled: replica.subscription_canceled,
                InvoicePaid: replica.invoice_paid,
            },
            unit_of_work=unit_of_work,
            dead_letters=dead_letters,
        ),
        EventConsumer(
            name="pause.dunning-events",
            topic=Topic.DUNNING_EVENTS,
            handlers={
                DunningCaseOpened: replica.dunning_case_opened,
                DunningReminderSent: replica.dunning_reminder_sent,
                DunningCaseClosed: dunning_case_closed_handler(policies),
            },
            unit_of_work=unit_of_work,
            dead_letters=dead_letters,
        ),
    ]
