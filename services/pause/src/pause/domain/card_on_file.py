"""The display fields of a customer's default card, as pause heard of them from billing.

Never a gateway reference: the portal shows the card and has no use for more.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CardOnFile:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
