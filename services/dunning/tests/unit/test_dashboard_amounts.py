"""Finance reads amounts with their currency, even when there is nothing yet."""

from __future__ import annotations

from dunning.entrypoints.web.page import amounts
from shared.money import Money


def test_no_amount_yet_reads_as_zero_dollars_not_a_bare_zero() -> None:
    assert amounts([]) == "0.00 USD"


def test_amounts_in_several_currencies_keep_their_own_decimals() -> None:
    assert amounts([Money.of(150000, "USD"), Money.of(1200, "JPY")]) == "1500.00 USD, 1200 JPY"
