"""What a gateway's answer means for the attempt, its invoice and its subscription.

One rule for every path that settles a charge (a renewal day's batch, a new
subscription's first charge, a retry). Every step is safe to meet twice or late: another
replica may have settled the invoice first, the customer may have canceled (which writes
the invoice off) while the charge was on its way, and money that arrives is recorded
whatever was decided about the invoice meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.payment import PaymentAttempt
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.contracts.billing import ChargeContext

GENERIC_DECLINE = "card_declined"


@dataclass(frozen=True)
class GatewayAnswer:
    """The gateway's answer, with the card it was asked to charge (None: no card was)."""

    succeeded: bool
    reference: str | None
    decline_code: str | None
    decline_message: str | None
    card: str | None


def settle_charge(
    attempt: PaymentAttempt,
    invoice: Invoice,
    subscription: Subscription,
    answer: GatewayAnswer,
    now: datetime,
    backup_card: str | None = None,
) -> None:
    """`backup_card`: billing's id of the customer's card beside the default, if any."""
    attempt.gateway_payment_method = answer.card
    if answer.succeeded:
        attempt.succeed(gateway_reference=answer.reference, at=now)
        invoice.mark_paid(now)
        subscription.mark_paid_up()
        return
    decline = answer.decline_code or GENERIC_DECLINE
    attempt.fail(
        decline_code=decline,
        message=answer.decline_message,
        gateway_reference=answer.reference,
        at=now,
        backup_card=backup_card if backup_card and answer.card else None,
    )
    if invoice.status is not InvoiceStatus.OPEN:
        return  # paid another way, or written off meanwhile: nothing more follows
    if invoice.context is ChargeContext.BEACH_FEE:
        invoice.mark_uncollectible(now)  # never dunned: the pause just continues
    elif subscription.status is SubscriptionStatus.ACTIVE:
        subscription.mark_past_due(invoice.id, decline)
