"""What dunning consumes: `billing.events`."""

from __future__ import annotations

from collections.abc import Callable

from dunning.adapters.portal_links import CardUpdateLinks
from dunning.service_layer.cases import CaseHandlers
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.base import Topic
from shared.contracts.billing import (
    CustomerCreated,
    InvoicePaid,
    PaymentFailed,
    PaymentMethodExpiring,
    PaymentMethodUpdated,
    PaymentSucceeded,
    SubscriptionCanceled,
    SubscriptionPaused,
)
from shared.messaging.consumer import DeadLetters, EventConsumer


def billing_events_consumer(
    unit_of_work: Callable[[], DunningUnitOfWork],
    dead_letters: DeadLetters,
    book: PolicyBook,
    links: CardUpdateLinks,
) -> EventConsumer:
    cases = CaseHandlers(book, links)
    return EventConsumer(
        name="dunning.billing-events",
        topic=Topic.BILLING_EVENTS,
        handlers={
            CustomerCreated: cases.customer_created,
            PaymentFailed: cases.payment_failed,
            PaymentSucceeded: cases.paid,
            InvoicePaid: cases.paid,
            PaymentMethodUpdated: cases.card_updated,
            PaymentMethodExpiring: cases.card_expiring,
            SubscriptionCanceled: cases.subscription_canceled,
            SubscriptionPaused: cases.subscription_paused,
        },
        unit_of_work=unit_of_work,
        dead_letters=dead_letters,
    )
