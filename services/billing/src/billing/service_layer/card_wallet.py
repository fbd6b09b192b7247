"""Several cards per customer: list them, choose the default, remove one.

A customer keeps a backup beside the default so that an expired or lost default need not
become a reminder: dunning's first retry goes to the backup. Removing a card never
leaves a live subscription with nothing to charge; removing the default hands the role
to the newest other card, announced like a new card.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.domain.payment_method import PaymentMethod
from billing.service_layer.unit_of_work import BillingUnitOfWork
from shared.bus import Command, Query
from shared.errors import Conflict, NotFound

LAST_CARD = (
    "This is your only card and your subscription is still active. "
    "Add another card first, then remove this one."
)


@dataclass(frozen=True)
class ListCards(Query[list[PaymentMethod]]):
    customer_id: str


@dataclass(frozen=True)
class MakeDefaultCard(Command[PaymentMethod]):
    customer_id: str
    payment_method_id: str


@dataclass(frozen=True)
class RemoveCard(Command[None]):
    customer_id: str
    payment_method_id: str


async def _cards(work: BillingUnitOfWork, customer_id: str) -> list[PaymentMethod]:
    if await work.customers.get(customer_id) is None:
        raise NotFound("customer_id", f"no customer {customer_id}")
    return await work.payment_methods.of_customer(customer_id)


def _one(cards: list[PaymentMethod], payment_method_id: str) -> PaymentMethod:
    found = next((card for card in cards if card.id == payment_method_id), None)
    if found is None:
        raise NotFound("payment_method_id", f"no payment method {payment_method_id}")
    return found


async def list_cards(query: ListCards, work: BillingUnitOfWork) -> list[PaymentMethod]:
    return await _cards(work, query.customer_id)


async def make_default_card(command: MakeDefaultCard, work: BillingUnitOfWork) -> PaymentMethod:
    card = _one(await _cards(work, command.customer_id), command.payment_method_id)
    if not card.is_default:
        card.become_default("customer")
        await work.payment_methods.make_default(card)
    return card


async def remove_card(command: RemoveCard, work: BillingUnitOfWork) -> None:
    cards = await _cards(work, command.customer_id)
    card = _one(cards, command.payment_method_id)
    others = [other for other in cards if other.id != card.id]
    if not others and await work.payment_methods.has_live_subscription(command.customer_id):
        raise Conflict("payment_method_id", LAST_CARD, "last_card")
    await work.payment_methods.remove(card)
    if card.is_default and others:
        successor = max(others, key=lambda other: (other.created_at, other.id))
        successor.become_default("customer")
        await work.payment_methods.make_default(successor)
