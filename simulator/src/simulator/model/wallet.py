"""What a customer's card and bank account will do when charged at a given moment.

The gateway only answers yes or a decline code; the simulator has to know *why*, and
when the cause clears: an expired or lost card until a new one arrives, a short balance
until payday, a soft decline for a few tries. The first decline that applies wins, in
the order a real issuer checks them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dunning.domain.local_time import customer_zone, next_payday
from simulator.assumptions import Assumptions
from simulator.population import Customer

MIDNIGHT = time(0, 0)


@dataclass(slots=True)
class Wallet:
    customer: Customer
    rng: random.Random
    assumptions: Assumptions
    card_replaced_at: datetime | None = None
    short_until: datetime | None = None
    soft_decline_pending: bool = False

    def _replaced_since(self, moment: datetime | None) -> bool:
        return moment is None or (self.card_replaced_at is not None and self.card_replaced_at >= moment)

    def card_decline(self, at: datetime) -> str | None:
        lost, expires = self.customer.card_lost_at, self.customer.card_expires_at
        if lost is not None and lost <= at and not self._replaced_since(lost):
            return "lost_card"
        if expires is not None and expires <= at and not self._replaced_since(expires):
            return "expired_card"
        return None

    def renewal_decline(self, at: datetime) -> str | None:
        """A renewal charge: the card first, then this month's balance and luck."""
        code = self.card_decline(at)
        if code is not None:
            return code
        a = self.assumptions
        if self.rng.random() < a.insufficient_funds_per_renewal:
            self.short_until = self.funds_clear_after(at)
            return "insufficient_funds"
        if self.rng.random() < a.soft_decline_per_renewal:
            self.soft_decline_pending = True
            return "card_declined"
        return None

    def retry_decline(self, at: datetime) -> str | None:
        """A retry of the same invoice: only what has not cleared since still declines it."""
        code = self.card_decline(at)
        if code is not None:
            return code
        if self.short_until is not None and at < self.short_until:
            return "insufficient_funds"
        if self.soft_decline_pending and self.rng.random() >= self.assumptions.soft_retry_success:
            return "card_declined"
        self.soft_decline_pending = False
        return None

    def funds_clear_after(self, at: datetime) -> datetime:
        a, draw = self.assumptions, self.rng.random()
        if draw < a.funds_clear_at_payday_share:
            zone = customer_zone(self.customer.timezone)
            return next_payday(at, zone, (1, 15), MIDNIGHT)
        if draw < 1 - a.funds_never_clear_share:
            return at + timedelta(days=self.rng.uniform(*a.funds_clear_days))
        return at + timedelta(days=3650)

    def new_card(self, at: datetime) -> None:
        self.card_replaced_at = at if self.card_replaced_at is None else max(self.card_replaced_at, at)
        self.soft_decline_pending = False

    def updater_delay(self) -> timedelta | None:
        """How long the account updater takes to hand over an expired card's successor."""
        a, rng = self.assumptions, self.rng
        if rng.random() >= a.updater_covers_share:
            return None
        draw = rng.random()
        if draw < a.updater_fast_share:
            return timedelta(days=rng.uniform(0.25, a.updater_main_days[0]))
        if draw < 1 - a.updater_slow_share:
            return timedelta(days=rng.uniform(*a.updater_main_days))
        return timedelta(days=rng.uniform(*a.updater_slow_days))
