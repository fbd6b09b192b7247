"""Money is exact integer minor units, and every operation checks the currency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.money import CurrencyMismatch, Money, currency_exponent, sum_money

amounts = st.integers(min_value=-(10**15), max_value=10**15)


@given(a=amounts, b=amounts)
def test_adding_then_subtracting_the_same_amount_gives_back_the_original_exactly(a: int, b: int) -> None:
    first, second = Money.of(a, "USD"), Money.of(b, "USD")

    assert (first + second) - second == first
    assert (first + second).amount == a + b


@given(values=st.lists(amounts, max_size=30))
def test_sum_money_equals_the_sum_of_the_amounts(values: list[int]) -> None:
    total = sum_money([Money.of(v, "EUR") for v in values], "EUR")

    assert total == Money.of(sum(values), "EUR")


def test_sum_money_of_an_empty_list_is_zero_in_the_requested_currency() -> None:
    assert sum_money([], "JPY") == Money.zero("JPY")


def test_sum_money_refuses_an_amount_in_another_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        sum_money([Money.of(100, "USD"), Money.of(100, "EUR")], "USD")


def test_adding_two_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of(100, "USD") + Money.of(100, "EUR")


def test_subtracting_two_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of(100, "USD") - Money.of(100, "EUR")


def test_comparing_two_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.of(100, "USD") < Money.of(200, "EUR")


def test_comparing_amounts_in_one_currency_orders_them_by_amount() -> None:
    assert Money.of(99, "USD") < Money.of(100, "USD")
    assert Money.of(100, "USD") <= Money.of(100, "USD")
    assert not Money.of(100, "USD") < Money.of(100, "USD")


def test_multiplying_by_a_whole_number_multiplies_the_amount() -> None:
    assert Money.of(100, "USD") * 3 == Money.of(300, "USD")


@pytest.mark.parametrize("factor", [1.5, 2.0, True], ids=["float", "whole-float", "bool"])
def test_multiplying_by_a_float_or_a_bool_raises_type_error(factor: object) -> None:
    with pytest.raises(TypeError):
        Money.of(100, "USD") * factor  # type: ignore[operator]


@pytest.mark.parametrize(("currency", "exponent"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3)])
def test_currency_exponent_is_the_number_of_decimals_of_the_minor_unit(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_currency_exponent_of_an_unknown_currency_raises() -> None:
    with pytest.raises(ValueError, match="XYZ"):
        currency_exponent("XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1500, "JPY", "1500 JPY"),
        (1500, "USD", "15.00 USD"),
        (-5, "USD", "-0.05 USD"),
        (0, "USD", "0.00 USD"),
        (1005, "KWD", "1.005 KWD"),
    ],
)
def test_format_uses_the_currencys_number_of_decimals(amount: int, currency: str, text: str) -> None:
    assert Money.of(amount, currency).format() == text
    assert str(Money.of(amount, currency)) == text


@pytest.mark.parametrize("amount", [1.5, 15.0, "1500"], ids=["float", "whole-float", "numeric-string"])
def test_an_amount_that_is_not_an_integer_is_rejected(amount: object) -> None:
    with pytest.raises(ValidationError):
        Money(amount=amount, currency="USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["usd", "XYZ", "US", "USDD"])
def test_a_lowercase_malformed_or_unknown_currency_is_rejected(currency: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=100, currency=currency)


def test_money_serialises_to_json_as_integer_amount_and_currency_and_back() -> None:
    money = Money.of(1500, "USD")

    assert money.model_dump(mode="json") == {"amount": 1500, "currency": "USD"}
    assert Money.model_validate_json('{"amount": 1500, "currency": "USD"}') == money
    assert Money.model_validate_json(money.model_dump_json()) == money


@pytest.mark.parametrize("amount", ["15.5", "15.0", '"1500"'])
def test_an_amount_that_is_not_an_integer_in_json_is_rejected(amount: str) -> None:
    with pytest.raises(ValidationError):
        Money.model_validate_json(f'{{"amount": {amount}, "currency": "USD"}}')


def test_money_is_frozen() -> None:
    money = Money.of(100, "USD")

    with pytest.raises(ValidationError):
        money.amount = 200  # type: ignore[misc]
    assert money.amount == 100


def test_equal_amounts_hash_equally_and_collapse_in_a_set() -> None:
    assert hash(Money.of(100, "USD")) == hash(Money.of(100, "USD"))
    assert len({Money.of(100, "USD"), Money.of(100, "USD"), Money.of(100, "EUR")}) == 2
