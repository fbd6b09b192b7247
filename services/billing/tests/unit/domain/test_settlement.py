"""Settling a charge: every path meets the same rule, and a late or repeated answer is safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.domain.invoice import Invoice, InvoiceLine, InvoiceStatus
from billing.domain.payment import AttemptStatus, Lease, PaymentAttempt
from billing.domain.plan import Plan
from billing.domain.settlement import GatewayAnswer, settle_charge
from billing.domain.subscription import Subscription, SubscriptionStatus
from shared.contracts.billing import ChargeContext
from shared.money import Money

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRO = Plan("pro", "Pro", Money.of(1500, "USD"), "month", Money.of(100, "USD"))
PAID = GatewayAnswer(True, "pi_1", None, None, "pm_card_visa")
DECLINED = GatewayAnswer(False, "pi_2", "insufficient_funds", "Your card has insufficient funds.", "pm_x")


def charged(
    context: ChargeContext = ChargeContext.SUBSCRIPTION,
) -> tuple[PaymentAttempt, Invoice, Subscription]:
    subscription = Subscription.start(customer_id="cus_1", plan=PRO, now=NOW - timedelta(days=31))
    line = InvoiceLine("Pro", Money.of(1500, "USD"), NOW, NOW + timedelta(days=31))
    invoice = Invoice.issue(
        number="2026-000001",
        customer_id="cus_1",
        subscription_id=subscription.id,
        lines=[line],
        context=context,
        now=NOW,
    )
    attempt = PaymentAttempt.begin(
        invoice_id=invoice.id,
        subscription_id=subscription.id,
        customer_id="cus_1",
        attempt_number=1,
        amount=invoice.total,
        context=context,
        reason="renewal",
        now=NOW,
    )
    return attempt, invoice, subscription


def test_a_paid_charge_pays_the_invoice_and_brings_a_past_due_subscription_back() -> None:
    attempt, invoice, subscription = charged()
    subscription.mark_past_due(invoice.id, "expired_card")

    settle_charge(attempt, invoice, subscription, PAID, NOW)

    assert attempt.status is AttemptStatus.SUCCEEDED
    assert attempt.gateway_payment_method == "pm_card_visa"
    assert invoice.status is InvoiceStatus.PAID
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_a_declined_renewal_makes_the_subscription_past_due_with_the_decline_code() -> None:
    attempt, invoice, subscription = charged()

    settle_charge(attempt, invoice, subscription, DECLINED, NOW)

    assert attempt.decline_code == "insufficient_funds"
    assert invoice.status is InvoiceStatus.OPEN
    assert subscription.status is SubscriptionStatus.PAST_DUE


def test_a_declined_beach_fee_is_written_off_and_never_makes_the_subscription_past_due() -> None:
    attempt, invoice, subscription = charged(ChargeContext.BEACH_FEE)

    settle_charge(attempt, invoice, subscription, DECLINED, NOW)

    assert invoice.status is InvoiceStatus.UNCOLLECTIBLE
    assert subscription.status is SubscriptionStatus.ACTIVE


@pytest.mark.parametrize("context", list(ChargeContext))
def test_a_decline_after_the_customer_canceled_records_the_attempt_and_changes_nothing_else(
    context: ChargeContext,
) -> None:
    """A charge on its way while the customer canceled (which writes its invoice off)."""
    attempt, invoice, subscription = charged(context)
    subscription.cancel(at=NOW, reason="moving", requested_by="customer")
    invoice.mark_uncollectible(NOW)

    settle_charge(attempt, invoice, subscription, DECLINED, NOW + timedelta(seconds=2))

    assert attempt.status is AttemptStatus.FAILED
    assert invoice.status is InvoiceStatus.UNCOLLECTIBLE
    assert subscription.status is SubscriptionStatus.CANCELED


def test_money_taken_after_the_invoice_was_written_off_is_recorded_as_paid() -> None:
    attempt, invoice, subscription = charged()
    subscription.cancel(at=NOW, reason="moving", requested_by="customer")
    invoice.mark_uncollectible(NOW)

    settle_charge(attempt, invoice, subscription, PAID, NOW + timedelta(seconds=2))

    assert invoice.status is InvoiceStatus.PAID
    assert subscription.status is SubscriptionStatus.CANCELED


def test_a_decline_for_an_invoice_another_replica_already_got_paid_leaves_it_paid() -> None:
    attempt, invoice, subscription = charged()
    invoice.mark_paid(NOW)

    settle_charge(attempt, invoice, subscription, DECLINED, NOW + timedelta(seconds=2))

    assert invoice.status is InvoiceStatus.PAID
    assert subscription.status is SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    ("left", "may_send"),
    [(timedelta(seconds=59), True), (timedelta(seconds=31), True), (timedelta(seconds=30), False)],
)
def test_a_lease_lets_a_call_start_only_while_more_than_the_margin_is_left(
    left: timedelta, may_send: bool
) -> None:
    lease = Lease("billing-1", NOW + left)

    assert lease.leaves_time_to_send(NOW, margin=timedelta(seconds=30)) is may_send
