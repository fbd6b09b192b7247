"""Why a case recovered: the one cause finance credits for the money coming back.

Every vendor's "recovery rate" counts differently; ours names the cause of each
recovery, so a holdout can show what our messages add. The rules, first match wins:

1. No retry of ours came before the payment: it was `paid_otherwise` (the customer
   paid the invoice some other way, or billing's own charge went through).
2. The last retry's reason is itself the cause (`RETRIES_CREDITED`): the date the
   customer picked, or the silent retry on a backup card.
3. The card changed before the last retry: the new card did it, `card_updater` when
   the network's account updater supplied it, `customer_card_update` otherwise.
4. Nothing was sent before the last retry: `silent_retry`.
5. Otherwise `retry_after_reminder`, with the number of the last message before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dunning.domain.case_facts import RetryReason
from shared.contracts.dunning import RecoveryMethod

if TYPE_CHECKING:
    from dunning.domain.case import DunningCase

RETRIES_CREDITED: dict[str, RecoveryMethod] = {
    RetryReason.CUSTOMER_DATE: RecoveryMethod.CUSTOMER_PAYMENT_DATE,
    RetryReason.BACKUP_CARD: RecoveryMethod.BACKUP_CARD,
}
"""Retry reasons that name their own recovery method: the retry on the day the customer
picked, and the silent retry on their backup card."""

CARD_UPDATER_SOURCE = "card_updater"
"""`payment_method.updated`'s `source` when the card network supplied the card."""


@dataclass(frozen=True)
class Recovery:
    method: RecoveryMethod
    last_message_number: int | None = None
    """Only for `retry_after_reminder`: how many messages the customer had by then."""


def attribute(case: DunningCase) -> Recovery:
    """The cause of the payment that just recovered `case` (see the module's rules)."""
    if not case.retries:
        return Recovery(RecoveryMethod.PAID_OTHERWISE)
    last_retry = case.retries[-1].at
    credited = RETRIES_CREDITED.get(case.retries[-1].reason)
    if credited is not None:
        return Recovery(credited)
    if case.card_updated_at is not None and case.card_updated_at <= last_retry:
        by_network = case.card_updated_by == CARD_UPDATER_SOURCE
        return Recovery(RecoveryMethod.CARD_UPDATER if by_network else RecoveryMethod.CUSTOMER_CARD_UPDATE)
    messages = case.messages_before(last_retry)
    if messages == 0:
        return Recovery(RecoveryMethod.SILENT_RETRY)
    return Recovery(RecoveryMethod.RETRY_AFTER_REMINDER, messages)
