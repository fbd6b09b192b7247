"""The simulated gateway: Stripe's test ids, one charge per key, and the card updater.

Every test runs on the in-memory ledger and on billing's database (SQLite, and
PostgreSQL when it is there), which is what a running service uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from billing.adapters.gateways.port import ChargeRequest, PaymentMethodRejected
from billing.adapters.gateways.simulated import TEST_CARDS, UPDATER_AT_PREFIX, SimulatedGateway
from billing.adapters.gateways.simulated_ledger import InMemoryLedger, Ledger
from billing.adapters.gateways.simulated_sql_ledger import SqlLedger
from billing.adapters.orm import simulated_charges
from shared.clock import TestClock
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.money import Money
from shared.testing.databases import DatabaseFactory

Make = Callable[..., SimulatedGateway]


@pytest.fixture(params=["memory", "database"])
async def ledger(request: pytest.FixtureRequest, databases: DatabaseFactory) -> AsyncIterator[Ledger]:
    if request.param == "memory":
        yield InMemoryLedger()
        return
    engine = create_engine(await databases.new("ledger"))
    await upgrade(engine, "billing")
    yield SqlLedger(engine)
    await engine.dispose()


@pytest.fixture
def make(ledger: Ledger) -> Make:
    def gateway(**options: Any) -> SimulatedGateway:
        return SimulatedGateway(ledger=ledger, **options)

    return gateway


NOV_1 = datetime(2026, 11, 1, 0, 1, tzinfo=UTC)
EXPIRED = "pm_card_chargeDeclinedExpiredCard"


def charge_of(method: str, key: str, customer: str = "cus_sim_1") -> ChargeRequest:
    return ChargeRequest(key, customer, method, Money(amount=1500, currency="EUR"), "Invoice 1", {})


@pytest.mark.parametrize(
    ("method", "decline_code"),
    [
        ("pm_card_visa", None),
        ("pm_card_mastercard", None),
        ("pm_card_amex", None),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeDeclinedLostCard", "lost_card"),
        ("pm_card_chargeDeclinedStolenCard", "stolen_card"),
        ("pm_card_chargeDeclinedFraudulent", "fraudulent"),
        ("pm_card_chargeCustomerFail", "card_declined"),
        ("pm_card_chargeDeclinedProcessingError", "processing_error"),
    ],
)
async def test_each_stripe_test_id_attaches_and_charges_as_stripe_would(
    make: Make, method: str, decline_code: str | None
) -> None:
    gateway = make()
    card = await gateway.attach_payment_method("cus_sim_1", method)

    result = await gateway.charge(charge_of(card.gateway_payment_method, "att-1"))

    assert result.succeeded is (decline_code is None)
    assert result.decline_code == decline_code
    assert (result.decline_message is None) is (decline_code is None)
    assert len(gateway.charges) == (1 if decline_code is None else 0)


@pytest.mark.parametrize("method", sorted(TEST_CARDS))
async def test_every_test_card_shows_a_brand_four_digits_and_an_expiry_in_the_future_unless_expired(
    make: Make,
    method: str,
) -> None:
    card = await make().attach_payment_method("cus_sim_1", method)

    assert card.gateway_payment_method == method
    assert card.brand in {"visa", "mastercard", "amex"}
    assert len(card.last4) == 4
    assert card.last4.isdigit()
    end_of_expiry_month = date(card.exp_year, card.exp_month, 28)
    assert (end_of_expiry_month < date(2026, 1, 1)) is (method == EXPIRED)


async def test_an_unknown_payment_method_is_rejected(make: Make) -> None:
    with pytest.raises(PaymentMethodRejected, match="pm_card_nonsense"):
        await make().attach_payment_method("cus_sim_1", "pm_card_nonsense")


async def test_registering_a_customer_is_idempotent_per_customer_id(make: Make) -> None:
    gateway = make()

    assert await gateway.register_customer("c1", "a@example.com", "A") == await gateway.register_customer(
        "c1", "a@example.com", "A"
    )
    assert await gateway.register_customer("c2", "a@example.com", "A") != await gateway.register_customer(
        "c1", "a@example.com", "A"
    )


async def test_repeating_a_key_returns_the_first_result_without_charging_again(make: Make) -> None:
    gateway = make()

    first = await gateway.charge(charge_of("pm_card_visa", "att-1"))
    again = await gateway.charge(charge_of("pm_card_visa", "att-1"))
    other = await gateway.charge(charge_of("pm_card_visa", "att-2"))

    assert again == first
    assert other.gateway_reference != first.gateway_reference
    assert [charge.idempotency_key for charge in gateway.charges] == ["att-1", "att-2"]


async def test_the_card_updater_delivers_a_working_card_once_after_the_delay(make: Make) -> None:
    clock = TestClock(NOV_1)
    gateway = make(card_updater_delay=timedelta(days=3), clock=clock)
    declined = await gateway.charge(charge_of(EXPIRED, "att-1"))

    early = await gateway.due_card_updates(NOV_1 + timedelta(days=3) - timedelta(seconds=1))
    [update] = await gateway.due_card_updates(NOV_1 + timedelta(days=3))
    later = await gateway.due_card_updates(NOV_1 + timedelta(days=30))

    assert declined.decline_code == "expired_card"
    assert early == []
    assert later == []
    assert (update.gateway_customer, update.old_payment_method) == ("cus_sim_1", EXPIRED)
    assert update.new_card.gateway_payment_method.startswith("pm_card_visa_updated_")
    assert date(update.new_card.exp_year, update.new_card.exp_month, 1) > NOV_1.date()
    assert (await gateway.charge(charge_of(update.new_card.gateway_payment_method, "att-2"))).succeeded


async def test_a_card_can_name_the_moment_the_updater_replaces_it(make: Make) -> None:
    replaced_at = NOV_1 + timedelta(days=5, hours=3)
    card = f"{UPDATER_AT_PREFIX}{int(replaced_at.timestamp())}"
    gateway = make(clock=TestClock(NOV_1))  # no delay configured: the card says when

    declined = await gateway.charge(charge_of(card, "att-1"))

    assert declined.decline_code == "expired_card"
    assert await gateway.due_card_updates(replaced_at - timedelta(seconds=1)) == []
    [update] = await gateway.due_card_updates(replaced_at)
    assert update.old_payment_method == card
    assert (await gateway.charge(charge_of(update.new_card.gateway_payment_method, "att-2"))).succeeded


async def test_the_old_card_keeps_failing_after_the_update_and_is_not_replaced_twice(make: Make) -> None:
    clock = TestClock(NOV_1)
    gateway = make(card_updater_delay=timedelta(days=1), clock=clock)
    await gateway.charge(charge_of(EXPIRED, "att-1"))
    clock.move_to(NOV_1 + timedelta(days=2))
    assert len(await gateway.due_card_updates(clock.now())) == 1

    retried = await gateway.charge(charge_of(EXPIRED, "att-2"))
    clock.move_to(NOV_1 + timedelta(days=10))

    assert retried.decline_code == "expired_card"
    assert await gateway.due_card_updates(clock.now()) == []


async def test_each_customer_with_an_expired_card_gets_their_own_replacement(make: Make) -> None:
    gateway = make(card_updater_delay=timedelta(hours=1), clock=TestClock(NOV_1))
    await gateway.charge(charge_of(EXPIRED, "att-1", customer="cus_sim_a"))
    await gateway.charge(charge_of(EXPIRED, "att-2", customer="cus_sim_b"))

    updates = await gateway.due_card_updates(NOV_1 + timedelta(hours=1))

    assert sorted(update.gateway_customer for update in updates) == ["cus_sim_a", "cus_sim_b"]
    assert len({update.new_card.gateway_payment_method for update in updates}) == 2


async def test_without_a_card_updater_delay_no_replacement_ever_arrives(make: Make) -> None:
    gateway = make(clock=TestClock(NOV_1))
    await gateway.charge(charge_of(EXPIRED, "att-1"))

    assert await gateway.due_card_updates(NOV_1 + timedelta(days=365)) == []


async def test_a_short_balance_card_declines_until_its_payday_then_pays(make: Make) -> None:
    clock = TestClock(NOV_1)
    payday = datetime(2026, 11, 15, tzinfo=UTC)
    method = f"pm_sim_insufficient_funds_until_{int(payday.timestamp())}"
    gateway = make(clock=clock)
    card = await gateway.attach_payment_method("cus_sim_1", method)

    before = await gateway.charge(charge_of(method, "att-1"))
    clock.move_to(payday - timedelta(seconds=1))
    eve = await gateway.charge(charge_of(method, "att-2"))
    clock.move_to(payday)
    on_payday = await gateway.charge(charge_of(method, "att-3"))

    assert card.last4 == "9995"
    assert (before.decline_code, eve.decline_code) == ("insufficient_funds", "insufficient_funds")
    assert on_payday.succeeded
    assert [charge.idempotency_key for charge in gateway.charges] == ["att-3"]


async def test_a_soft_decline_card_refuses_its_first_charges_then_pays_a_repeated_key_counting_once(
    make: Make,
) -> None:
    gateway = make(clock=TestClock(NOV_1))
    method = "pm_sim_soft_declines_2"

    first = await gateway.charge(charge_of(method, "att-1"))
    replayed = await gateway.charge(charge_of(method, "att-1"))
    second = await gateway.charge(charge_of(method, "att-2"))
    third = await gateway.charge(charge_of(method, "att-3"))
    other_customer = await gateway.charge(charge_of(method, "att-4", customer="cus_sim_2"))
    next_time = await gateway.charge(charge_of(f"{method}_7", "att-5"))

    assert (first.decline_code, replayed.decline_code, second.decline_code) == ("card_declined",) * 3
    assert third.succeeded
    assert not other_customer.succeeded, "each customer's card refuses its own first charges"
    assert next_time.decline_code == "card_declined", "a tagged card of the same kind starts afresh"


async def test_a_scenario_id_without_its_number_is_rejected(make: Make) -> None:
    with pytest.raises(PaymentMethodRejected):
        await make().attach_payment_method("cus_sim_1", "pm_sim_soft_declines_")


async def test_a_restarted_gateway_answers_a_resent_key_with_the_first_outcome_and_counts_the_send(
    databases: DatabaseFactory,
) -> None:
    engine = create_engine(await databases.new("restart"))
    await upgrade(engine, "billing")
    before_the_crash = SimulatedGateway(ledger=SqlLedger(engine))
    first = await before_the_crash.charge(charge_of("pm_card_visa", "att-1"))

    after_the_restart = SimulatedGateway(ledger=SqlLedger(engine))
    again = await after_the_restart.charge(charge_of("pm_card_visa", "att-1"))

    async with engine.connect() as conn:
        rows = (await conn.execute(select(simulated_charges))).all()
    await engine.dispose()
    assert again == first
    assert after_the_restart.charges == [], "the resend moved no money"
    assert [(row.idempotency_key, row.sends, row.succeeded) for row in rows] == [("att-1", 2, True)]


async def test_charges_sent_together_are_each_kept_once_with_their_own_outcome(ledger: Ledger) -> None:
    gateway = SimulatedGateway(ledger=ledger)
    cards = ["pm_card_visa", "pm_card_chargeDeclinedInsufficientFunds"] * 20
    requests = [charge_of(card, f"att-{n}", customer=f"cus_sim_{n}") for n, card in enumerate(cards)]

    results = await asyncio.gather(*(gateway.charge(request) for request in requests))
    again = await asyncio.gather(*(gateway.charge(request) for request in requests))

    assert [result.succeeded for result in results] == [card == "pm_card_visa" for card in cards]
    assert again == results, "every resent key is answered with its first outcome"
    assert len(gateway.charges) == 20, "only the first sends moved money"


async def test_two_senders_racing_with_one_key_get_one_outcome_and_both_sends_are_counted(
    databases: DatabaseFactory,
) -> None:
    engine = create_engine(await databases.new("race"))
    await upgrade(engine, "billing")
    one, other = SimulatedGateway(ledger=SqlLedger(engine)), SimulatedGateway(ledger=SqlLedger(engine))

    first, second = await asyncio.gather(
        one.charge(charge_of("pm_card_visa", "att-1")), other.charge(charge_of("pm_card_visa", "att-1"))
    )

    async with engine.connect() as conn:
        rows = (await conn.execute(select(simulated_charges))).all()
    await engine.dispose()
    assert first == second
    assert len(one.charges) + len(other.charges) == 1, "one charge moved money"
    assert [(row.idempotency_key, row.sends) for row in rows] == [("att-1", 2)]
