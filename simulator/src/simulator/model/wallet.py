"""What a customer's card and bank account will do when charged at a given moment.

The gateway only answers yes or a decline code; the simulator has to know *why*, and
when the cause clears: an expired or lost card until a new one arrives, a short balance
until payday, a soft decline for a few tries. The first decline that applies wins, in
the order a real issuer checks them. The luck behind each renewal is drawn by
`simulator.luck`, as the stack engine draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from simulator.assumptions import Assumptions
from simulator.luck import renewal_luck, updater_delay
from simulator.population import Customer


@dataclass(slots=True)
class Wallet:
    customer: Customer
    assumptions: Assumptions
    seed: int
    card_replaced_at: datetime | None = None
    short_until: datetime | None = None
    soft_declines_left: int = 0

    def _replaced_since(self, moment: datetime | None) -> bool:
        return moment is None or (self.card_replaced_at is not None and self.card_replaced_at >= moment)

    def card_decline(self, at: datetime) -> str | None:
        lost, expires = self.customer.card_lost_at, self.customer.card_expires_at
        if lost is not None and lost <= at and not self._replaced_since(lost):
            return "lost_card"
        if expires is not None and expires <= at and not self._replaced_since(expires):
            return "expired_card"
        return None

    def renewal_decline(self, at: datetime, number: int) -> str | None:
        """The `number`th renewal's charge: the card first, then that renewal's luck."""
        code = self.card_decline(at)
        if code is not None:
            return code
        luck = renewal_luck(self.seed, self.customer.index, number, self.assumptions)
        if luck.short_of_funds:
            self.short_until = luck.refilled_at(at, self.customer.timezone, self.assumptions)
            return "insufficient_funds"
        if luck.soft_declines:
            self.soft_declines_left = luck.soft_declines - 1
            return "card_declined"
        return None

    def retry_decline(self, at: datetime) -> str | None:
        """A retry of the same invoice: only what has not cleared since still declines it."""
        code = self.card_decline(at)
        if code is not None:
            return code
        if self.short_until is not None and at < self.short_until:
            return "insufficient_funds"
        if self.soft_declines_left:
            self.soft_declines_left -= 1
            return "card_declined"
        return None

    def new_card(self, at: datetime) -> None:
        self.card_replaced_at = at if self.card_replaced_at is None else max(self.card_replaced_at, at)
        self.soft_declines_left = 0

    def updater_delay(self) -> timedelta | None:
        """How long the account updater takes to hand over an expired card's successor."""
        return updater_delay(self.seed, self.customer.index, self.assumptions)
