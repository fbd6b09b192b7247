"""Money, dates and times written the way the customer's locale writes them.

Amounts stay integer minor units everywhere else; only here do they become text, with
the currency's own number of decimals from ISO 4217 (`shared.money`), not CLDR's
(which gives IQD none, for example).
"""

from __future__ import annotations

from copy import copy
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, parse_pattern

from shared.i18n.locales import formatting_locale
from shared.money import Money, currency_exponent


def money(amount: Money, locale: str | None) -> str:
    """`15,00 €` in French, `$15.00` in English, `￥1,200` in Japanese."""
    where = formatting_locale(locale)
    exponent = currency_exponent(amount.currency)
    pattern = copy(parse_pattern(where.currency_formats["standard"]))
    pattern.frac_prec = (exponent, exponent)
    value = Decimal(amount.amount).scaleb(-exponent)
    return format_currency(value, amount.currency, format=pattern, locale=where, currency_digits=False)


def day(value: date, locale: str | None, style: str = "long") -> str:
    """A calendar date: `1 mars 2027`, `March 1, 2027`, `2027年3月1日`."""
    return format_date(value, format=style, locale=formatting_locale(locale))


def month_and_year(value: date, locale: str | None) -> str:
    """`mars 2027`, `March 2027`: when a card expires."""
    return format_date(value, format="MMMM y", locale=formatting_locale(locale))


def moment(value: datetime, timezone: str, locale: str | None) -> str:
    """A date and time on the customer's clock, in their timezone."""
    return format_datetime(
        value, format="medium", tzinfo=ZoneInfo(timezone), locale=formatting_locale(locale)
    )
