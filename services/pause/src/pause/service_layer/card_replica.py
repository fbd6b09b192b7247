"""Pause's copy of each customer's default card, for the portal's "card on file" line.

Billing owns payment methods; pause may not read its tables, so the portal learns the
brand, last four digits and expiry from `payment_method.updated`. Only those display
fields are kept: never a gateway reference, which the portal has no use for.
"""

from __future__ import annotations

from pause.domain.card_on_file import CardOnFile
from pause.service_layer.unit_of_work import PauseUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.billing import PaymentMethodUpdated


async def payment_method_updated(event: CloudEvent[PaymentMethodUpdated], work: PauseUnitOfWork) -> None:
    """The newest card wins: billing makes every added card the default. Newest by the
    customer's own sequence, so an old card's event redelivered late changes nothing."""
    data = event.data
    if not data.is_default:
        return  # a backup beside the default: the card on file stays
    card = CardOnFile(data.brand, data.last4, data.exp_month, data.exp_year)
    await work.cards.remember(data.customer_id, card, event.time, data.sequence)
