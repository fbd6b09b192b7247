"""Defining a plan validates every field by name and prices a month on the beach at 1.00."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.plan import MAX_MAJOR_UNITS, Plan, default_beach_fee, max_amount
from shared.errors import DomainError
from shared.money import Money

VALID: dict[str, Any] = {
    "code": "basic",
    "name": "Basic",
    "amount": 1500,
    "currency": "EUR",
    "interval": "month",
}


def define(**overrides: Any) -> Plan:
    return Plan.define(**{**VALID, **overrides})


def test_a_valid_plan_keeps_its_code_price_and_interval_and_trims_its_name() -> None:
    plan = define(code="pro-yearly_2", name="  Pro  ", amount=15000, currency="USD", interval="year")

    assert plan.code == "pro-yearly_2"
    assert plan.name == "Pro"
    assert plan.price == Money.of(15000, "USD")
    assert plan.interval == "year"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "Basic"}, "code"),
        ({"code": "-basic"}, "code"),
        ({"code": "_basic"}, "code"),
        ({"code": "basic plan"}, "code"),
        ({"code": "basic.plan"}, "code"),
        ({"code": "a" * 65}, "code"),
        ({"code": "basic\n"}, "code"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"interval": "week"}, "interval"),
        ({"interval": "monthly"}, "interval"),
        ({"interval": "Month"}, "interval"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"amount": 0}, "amount"),
        ({"amount": -1500}, "amount"),
        ({"beach_fee_amount": -1}, "beach_fee_amount"),
    ],
    ids=[
        "empty-code",
        "upper-case-code",
        "code-starting-with-dash",
        "code-starting-with-underscore",
        "code-with-space",
        "code-with-dot",
        "code-of-65-characters",
        "code-with-trailing-newline",
        "empty-name",
        "blank-name",
        "weekly-interval",
        "monthly-is-not-month",
        "capitalised-interval",
        "lower-case-currency",
        "unknown-currency",
        "four-letter-currency",
        "zero-amount",
        "negative-amount",
        "negative-beach-fee",
    ],
)
def test_an_invalid_plan_raises_a_domain_error_naming_the_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        define(**overrides)

    assert caught.value.field == field


@given(code=st.from_regex(r"[a-z0-9][a-z0-9_-]{0,63}", fullmatch=True))
def test_any_code_of_1_to_64_lower_case_letters_digits_dashes_or_underscores_is_accepted(code: str) -> None:
    assert define(code=code).code == code


@pytest.mark.parametrize(
    ("currency", "fee"),
    [("JPY", 1), ("KRW", 1), ("USD", 100), ("EUR", 100), ("KWD", 1000), ("BHD", 1000)],
)
def test_the_default_beach_fee_is_one_unit_of_the_currency_in_its_minor_units(
    currency: str, fee: int
) -> None:
    plan = define(currency=currency)

    assert plan.beach_fee == Money.of(fee, currency)
    assert default_beach_fee(currency) == Money.of(fee, currency)


@given(fee=st.integers(0, MAX_MAJOR_UNITS), currency=st.sampled_from(["JPY", "USD", "KWD"]))
def test_a_given_beach_fee_amount_is_used_in_the_plan_currency(fee: int, currency: str) -> None:
    plan = define(currency=currency, beach_fee_amount=fee)

    assert plan.beach_fee == Money.of(fee, currency)


@pytest.mark.parametrize(("currency", "most"), [("JPY", 10**7), ("USD", 10**9), ("KWD", 10**10)])
def test_a_plan_charges_at_most_ten_million_of_its_currency(currency: str, most: int) -> None:
    assert max_amount(currency) == most
    assert define(currency=currency, amount=most).price == Money.of(most, currency)
    with pytest.raises(DomainError) as refused:
        define(currency=currency, amount=most + 1)
    assert refused.value.field == "amount"


def test_a_free_month_on_the_beach_is_allowed() -> None:
    assert define(beach_fee_amount=0).beach_fee == Money.zero("EUR")
