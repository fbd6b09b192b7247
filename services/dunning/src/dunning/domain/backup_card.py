"""Which card a case's first retry goes to.

An expired or hard-declined default will not work again, and a customer who keeps a
backup card has already told us what to do: charge it, silently, before any message.
Other declines (short of funds, a soft decline) may well pass on the default later,
so they keep the policy's plan.
"""

from __future__ import annotations

from shared.contracts.dunning import DeclineClass

TRIED_ON_BACKUP = (DeclineClass.EXPIRED_CARD, DeclineClass.HARD_DECLINE)


def backup_to_try(decline_class: DeclineClass, backup_card: str | None) -> str | None:
    return backup_card if decline_class in TRIED_ON_BACKUP else None
