"""A card on file: valid through its expiry month, with one heads-up in the 30 days before."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.payment_method import PaymentMethod
from shared.contracts.billing import PaymentMethodExpiring, PaymentMethodUpdated

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def card(exp_month: int = 2, exp_year: int = 2028) -> PaymentMethod:
    return PaymentMethod.add_default(
        customer_id="cus_1",
        gateway_payment_method="pm_card_visa",
        brand="visa",
        last4="4242",
        exp_month=exp_month,
        exp_year=exp_year,
        source="customer",
        now=NOW,
    )


def test_adding_a_default_card_records_payment_method_updated() -> None:
    method = card(exp_month=12, exp_year=2030)

    assert method.is_default
    assert len(method.events) == 1
    event = method.events[0]
    assert isinstance(event, PaymentMethodUpdated)
    assert event.payment_method_id == method.id
    assert (event.brand, event.last4, event.exp_month, event.exp_year) == ("visa", "4242", 12, 2030)
    assert event.source == "customer"


@pytest.mark.parametrize(
    ("exp_month", "exp_year", "expires_on"),
    [
        (2, 2028, date(2028, 2, 29)),
        (2, 2027, date(2027, 2, 28)),
        (2, 2000, date(2000, 2, 29)),
        (2, 2100, date(2100, 2, 28)),
        (4, 2026, date(2026, 4, 30)),
        (12, 2026, date(2026, 12, 31)),
    ],
    ids=["feb-leap", "feb-common", "feb-2000-leap", "feb-2100-common", "april", "december"],
)
def test_a_card_expires_on_the_last_day_of_its_expiry_month(
    exp_month: int, exp_year: int, expires_on: date
) -> None:
    assert card(exp_month, exp_year).expires_on == expires_on


@given(exp_month=st.integers(1, 12), exp_year=st.integers(2000, 2100))
def test_the_day_after_expiry_is_in_the_next_month(exp_month: int, exp_year: int) -> None:
    expires_on = card(exp_month, exp_year).expires_on

    assert (expires_on.year, expires_on.month) == (exp_year, exp_month)
    assert (expires_on + timedelta(days=1)).day == 1


@given(
    exp_month=st.integers(1, 12),
    exp_year=st.integers(2000, 2100),
    days_before=st.integers(0, 29),
    moment=st.times(),
)
def test_a_default_card_needs_a_heads_up_in_the_30_days_up_to_its_expiry(
    exp_month: int, exp_year: int, days_before: int, moment: time
) -> None:
    method = card(exp_month, exp_year)
    now = datetime.combine(method.expires_on - timedelta(days=days_before), moment, UTC)

    assert method.needs_expiry_heads_up(now)


@given(
    exp_month=st.integers(1, 12),
    exp_year=st.integers(2000, 2100),
    days_before=st.integers(31, 3650),
    moment=st.times(),
)
def test_a_card_needs_no_heads_up_more_than_30_days_before_its_expiry(
    exp_month: int, exp_year: int, days_before: int, moment: time
) -> None:
    method = card(exp_month, exp_year)
    now = datetime.combine(method.expires_on - timedelta(days=days_before), moment, UTC)

    assert not method.needs_expiry_heads_up(now)


@given(
    exp_month=st.integers(1, 12),
    exp_year=st.integers(2000, 2100),
    days_after=st.integers(1, 3650),
    moment=st.times(),
)
def test_an_expired_card_needs_no_heads_up(
    exp_month: int, exp_year: int, days_after: int, moment: time
) -> None:
    method = card(exp_month, exp_year)
    now = datetime.combine(method.expires_on + timedelta(days=days_after), moment, UTC)

    assert not method.needs_expiry_heads_up(now)


def test_the_heads_up_window_of_a_february_card_in_a_leap_year() -> None:
    method = card(exp_month=2, exp_year=2028)

    assert not method.needs_expiry_heads_up(datetime(2028, 1, 30, 12, 0, tzinfo=UTC))
    assert method.needs_expiry_heads_up(datetime(2028, 1, 31, 0, 0, tzinfo=UTC))
    assert method.needs_expiry_heads_up(datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC))
    assert not method.needs_expiry_heads_up(datetime(2028, 3, 1, 0, 0, tzinfo=UTC))


def test_a_card_that_is_not_the_default_needs_no_heads_up() -> None:
    method = card(exp_month=2, exp_year=2028)
    method.is_default = False

    assert not method.needs_expiry_heads_up(datetime(2028, 2, 15, tzinfo=UTC))


def test_announcing_expiry_records_one_payment_method_expiring_and_ends_the_heads_up() -> None:
    method = card(exp_month=2, exp_year=2027)
    method.events.clear()
    now = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
    assert method.needs_expiry_heads_up(now)

    method.announce_expiry(now)

    assert method.expiring_notice_sent_at == now
    assert not method.needs_expiry_heads_up(now)
    assert not method.needs_expiry_heads_up(datetime(2027, 2, 28, 23, 0, tzinfo=UTC))
    assert len(method.events) == 1
    event = method.events[0]
    assert isinstance(event, PaymentMethodExpiring)
    assert event.payment_method_id == method.id
    assert event.customer_id == "cus_1"
    assert event.expires_on == date(2027, 2, 28)
    assert (event.brand, event.last4, event.exp_month, event.exp_year) == ("visa", "4242", 2, 2027)
