"""What dunning consumes: `billing.events`."""

from __future__ import annotations

from collections.abc import Callable

from dunning.adapters.portal_links import CardUpdateLinks
from dunning.service_layer.cases import CaseHandlers
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.base import Topic
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
            "customer.created": cases.customer_created,
            "payment.failed": cases.payment_failed,
            "payment.succeeded": cases.paid,
            "invoice.paid": cases.paid,
            "payment_method.updated": cases.card_updated,
            "payment_method.expiring": cases.card_expiring,
            "subscription.canceled": cases.subscription_canceled,
            "subscription.paused": cases.subscription_paused,
        },
        unit_of_work=unit_of_work,
        dead_letters=dead_letters,
    )
