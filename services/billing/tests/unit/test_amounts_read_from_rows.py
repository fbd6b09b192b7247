"""Amounts read from rows are shared between rows, and validated as any amount is."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from billing.adapters.repositories.base import money_of
from shared.money import Money


def test_rows_with_the_same_price_share_one_amount_equal_to_a_fresh_one() -> None:
    first, second = money_of(1500, "USD"), money_of(1500, "USD")

    assert first is second
    assert first == Money.of(1500, "USD")
    assert money_of(1500, "EUR") != first


def test_an_unknown_currency_in_a_row_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValidationError):
            money_of(1500, "XXX")
