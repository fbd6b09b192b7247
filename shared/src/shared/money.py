"""Money as integer minor units plus an ISO 4217 currency.

Floats cannot represent 0.10 exactly, and a billing system that rounds in the wrong
place loses or invents cents at scale. Every amount in this system is an integer
count of the currency's minor unit, and every arithmetic step checks the currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from babel.numbers import format_decimal
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# ISO 4217 minor-unit exponents that differ from the common 2. Anything not listed
# here but in KNOWN_CURRENCIES uses 2.
_EXPONENTS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip

_TWO_DECIMALS = (
    "AED AUD BRL CAD CHF CNY CZK DKK EUR GBP HKD HUF IDR ILS INR MXN MYR NOK "
    "NZD PHP PLN RON SAR SEK SGD THB TRY TWD USD ZAR"
)
KNOWN_CURRENCIES: frozenset[str] = frozenset({*_EXPONENTS, *_TWO_DECIMALS.split()})

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class CurrencyMismatch(ValueError):
    """Raised when two amounts in different currencies meet in one operation."""


def currency_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (JPY 0, USD 2, KWD 3)."""
    if currency not in KNOWN_CURRENCIES:
        raise ValueError(f"unknown currency {currency!r}")
    return _EXPONENTS.get(currency, 2)


class Money(BaseModel):
    """An exact amount: `{"amount": <minor units>, "currency": "<ISO 4217>"}`."""

    model_config = ConfigDict(frozen=True, strict=True)

    amount: int = Field(description="Integer amount in the currency's minor unit.")
    currency: CurrencyCode = Field(description="ISO 4217 code, upper case.")

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        currency_exponent(value)
        return value

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(amount=0, currency=currency)

    @classmethod
    def of(cls, amount: int, currency: str) -> Self:
        return cls(amount=amount, currency=currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("money is only multiplied by whole numbers")
        return Money(amount=self.amount * factor, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def format(self) -> str:
        """The amount with its ISO code and the currency's own decimals (`15.00 USD`,
        `1500 JPY`), the same in every language: for finance's pages, exports and logs.
        What a customer reads is written for their locale by `shared.i18n.formatting`."""
        exponent = currency_exponent(self.currency)
        pattern = "0." + "0" * exponent if exponent else "0"
        value = Decimal(self.amount).scaleb(-exponent)
        return f"{format_decimal(value, format=pattern, locale='en')} {self.currency}"

    def __str__(self) -> str:
        return self.format()


def sum_money(amounts: list[Money], currency: str) -> Money:
    """Total of amounts that must all be in `currency`; an empty list is zero."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total
