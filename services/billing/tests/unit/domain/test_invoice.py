"""Invoices: an exact total in one currency, a gapless number, and paid or written off once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.invoice import Invoice, InvoiceLine, InvoiceStatus, invoice_number
from shared.contracts.billing import ChargeContext, InvoiceFinalized, InvoicePaid, InvoiceUncollectible
from shared.errors import DomainError, InvalidTransition
from shared.money import CurrencyMismatch, Money

NOW = datetime(2026, 3, 1, 0, 1, tzinfo=UTC)
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
CURRENCIES = ["JPY", "KRW", "USD", "EUR", "GBP", "KWD", "BHD"]  # 0, 2 and 3 decimals
amounts = st.integers(-(10**12), 10**12)


def line(amount: int, currency: str = "EUR", start: datetime = START, end: datetime = END) -> InvoiceLine:
    return InvoiceLine(
        description="Basic", amount=Money.of(amount, currency), period_start=start, period_end=end
    )


def issue(
    lines: list[InvoiceLine] | None = None, context: ChargeContext = ChargeContext.SUBSCRIPTION
) -> Invoice:
    return Invoice.issue(
        number="2026-000042",
        customer_id="cus_1",
        subscription_id="sub_1",
        lines=[line(1500)] if lines is None else lines,
        context=context,
        now=NOW,
    )


@given(values=st.lists(amounts, min_size=1, max_size=20), currency=st.sampled_from(CURRENCIES))
def test_the_total_is_the_exact_sum_of_the_line_amounts(values: list[int], currency: str) -> None:
    invoice = issue([line(value, currency) for value in values])

    assert invoice.total == Money.of(sum(values), currency)
    assert invoice.currency == currency


@given(
    values=st.lists(amounts, min_size=1, max_size=10),
    currencies=st.lists(st.sampled_from(CURRENCIES), min_size=2, max_size=2, unique=True),
    position=st.integers(0, 10),
)
def test_lines_in_two_currencies_raise_currency_mismatch(
    values: list[int], currencies: list[str], position: int
) -> None:
    main, other = currencies
    lines = [line(value, main) for value in values]
    lines.insert(position % (len(lines) + 1), line(100, other))

    with pytest.raises(CurrencyMismatch):
        issue(lines)


def test_a_single_line_in_another_currency_than_the_invoice_raises_currency_mismatch() -> None:
    """A one-line invoice's total is its line's amount, but only in the invoice's currency."""
    invoice = issue([line(1500, "EUR")])
    invoice.currency = "USD"  # as a row written by hand might say

    with pytest.raises(CurrencyMismatch):
        invoice.total  # noqa: B018


def test_an_invoice_without_lines_raises_a_domain_error_naming_the_lines() -> None:
    with pytest.raises(DomainError) as caught:
        issue([])

    assert caught.value.field == "lines"


@pytest.mark.parametrize(
    ("year", "sequence", "number"),
    [(2026, 42, "2026-000042"), (2026, 1, "2026-000001"), (2027, 999999, "2027-999999")],
)
def test_an_invoice_number_is_the_year_and_a_six_digit_sequence(
    year: int, sequence: int, number: str
) -> None:
    assert invoice_number(year, sequence) == number


@given(year=st.integers(2000, 2999), first=st.integers(1, 999999), second=st.integers(1, 999999))
def test_invoice_numbers_of_one_year_sort_in_sequence_order(year: int, first: int, second: int) -> None:
    assert (invoice_number(year, first) < invoice_number(year, second)) is (first < second)


def test_an_issued_invoice_is_open_and_spans_its_lines_periods() -> None:
    invoice = issue(
        [
            line(1500, start=START, end=END),
            line(-200, start=START + timedelta(days=3), end=END + timedelta(days=2)),
        ]
    )

    assert invoice.status is InvoiceStatus.OPEN
    assert invoice.created_at == NOW
    assert invoice.paid_at is None
    assert invoice.period_start == START
    assert invoice.period_end == END + timedelta(days=2)


def test_issuing_records_one_invoice_finalized_with_the_total_as_money() -> None:
    invoice = issue([line(1500, "USD"), line(250, "USD")])

    assert len(invoice.events) == 1
    event = invoice.events[0]
    assert isinstance(event, InvoiceFinalized)
    assert event.invoice_id == invoice.id
    assert event.number == "2026-000042"
    assert event.subscription_id == "sub_1"
    assert event.customer_id == "cus_1"
    assert event.total == Money.of(1750, "USD")
    assert event.period_start == START
    assert event.period_end == END


def test_invoice_ids_start_with_in_and_are_unique() -> None:
    ids = {issue().id for _ in range(100)}

    assert len(ids) == 100
    assert all(invoice_id.startswith("in_") for invoice_id in ids)


def test_paying_an_open_invoice_records_invoice_paid_once() -> None:
    invoice = issue([line(1500)])
    paid_at = NOW + timedelta(days=2)

    invoice.mark_paid(paid_at)
    invoice.mark_paid(paid_at + timedelta(days=1))

    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_at == paid_at
    assert [type(event) for event in invoice.events] == [InvoiceFinalized, InvoicePaid]
    event = invoice.events[1]
    assert isinstance(event, InvoicePaid)
    assert event.paid_at == paid_at
    assert event.total == Money.of(1500, "EUR")
    assert event.invoice_id == invoice.id


def test_writing_off_an_open_invoice_records_invoice_uncollectible() -> None:
    invoice = issue()
    marked_at = NOW + timedelta(days=21)

    invoice.mark_uncollectible(marked_at)

    assert invoice.status is InvoiceStatus.UNCOLLECTIBLE
    assert [type(event) for event in invoice.events] == [InvoiceFinalized, InvoiceUncollectible]
    event = invoice.events[1]
    assert isinstance(event, InvoiceUncollectible)
    assert event.marked_at == marked_at
    assert event.total == Money.of(1500, "EUR")


def test_money_that_arrives_after_the_invoice_was_written_off_pays_it_after_all() -> None:
    """A charge on its way when the customer canceled: the record follows the money."""
    invoice = issue()
    invoice.mark_uncollectible(NOW)

    invoice.mark_paid(NOW + timedelta(days=1))

    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_at == NOW + timedelta(days=1)
    assert [type(event) for event in invoice.events] == [InvoiceFinalized, InvoiceUncollectible, InvoicePaid]


def test_a_paid_invoice_cannot_be_written_off() -> None:
    invoice = issue()
    invoice.mark_paid(NOW)

    with pytest.raises(InvalidTransition) as caught:
        invoice.mark_uncollectible(NOW + timedelta(days=1))

    assert caught.value.current == "paid"
    assert invoice.status is InvoiceStatus.PAID
    assert len(invoice.events) == 2


def test_writing_off_twice_is_one_write_off() -> None:
    invoice = issue()
    invoice.mark_uncollectible(NOW)

    invoice.mark_uncollectible(NOW + timedelta(days=1))

    assert invoice.status is InvoiceStatus.UNCOLLECTIBLE
    assert [type(event) for event in invoice.events] == [InvoiceFinalized, InvoiceUncollectible]


@pytest.mark.parametrize("context", list(ChargeContext))
def test_every_invoice_event_carries_the_charge_context(context: ChargeContext) -> None:
    paid, written_off = issue(context=context), issue(context=context)
    paid.mark_paid(NOW)
    written_off.mark_uncollectible(NOW)

    events = [*paid.events, *written_off.events]

    assert [type(event) for event in events] == [
        InvoiceFinalized,
        InvoicePaid,
        InvoiceFinalized,
        InvoiceUncollectible,
    ]
    assert all(event.context is context for event in events)  # type: ignore[attr-defined]
    assert paid.context is context
