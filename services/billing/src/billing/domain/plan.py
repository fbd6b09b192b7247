"""A plan: what a subscription costs, how often, and what a month on the beach costs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared.errors import DomainError
from shared.money import Money, currency_exponent
from shared.text import plain_text

Interval = Literal["month", "year"]
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


MAX_MAJOR_UNITS = 10_000_000
"""The most a plan may charge per period, in the currency's major unit (ten million
dollars, yen or dinars): far above any real price, and far below what a 64-bit column
holds, so no total or report can overflow."""


def max_amount(currency: str) -> int:
    """The largest amount of `currency` a plan may charge, in minor units."""
    return int(MAX_MAJOR_UNITS * 10 ** currency_exponent(currency))


def default_beach_fee(currency: str) -> Money:
    """1.00 of the plan's currency per paused month, whatever its minor unit (JPY 1, KWD 1.000)."""
    return Money(amount=10 ** currency_exponent(currency), currency=currency)


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    price: Money
    interval: Interval
    beach_fee: Money

    @classmethod
    def define(
        cls,
        *,
        code: str,
        name: str,
        amount: int,
        currency: str,
        interval: str,
        beach_fee_amount: int | None = None,
    ) -> Plan:
        if not _CODE.fullmatch(code):
            raise DomainError("code", "use 1-64 lower-case letters, digits, '-' or '_'")
        name = plain_text("name", name)
        if interval not in ("month", "year"):
            raise DomainError("interval", "must be 'month' or 'year'")
        try:
            currency_exponent(currency)
        except ValueError:
            raise DomainError("currency", f"unknown ISO 4217 currency {currency!r}") from None
        if amount <= 0:
            raise DomainError("amount", "must be a positive number of minor units")
        if amount > max_amount(currency):
            raise DomainError("amount", f"at most {max_amount(currency)} minor units of {currency}")
        fee = (
            default_beach_fee(currency) if beach_fee_amount is None else Money.of(beach_fee_amount, currency)
        )
        if fee.amount < 0:
            raise DomainError("beach_fee_amount", "must not be negative")
        if fee.amount > max_amount(currency):
            raise DomainError("beach_fee_amount", f"at most {max_amount(currency)} minor units of {currency}")
        price = Money.of(amount, currency)
        return cls(code=code, name=name.strip(), price=price, interval=interval, beach_fee=fee)  # type: ignore[arg-type]
