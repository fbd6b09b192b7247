"""What the stack driver does about a message, and how it counts churn, without the stack."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from simulator.assumptions import DEFAULT_ASSUMPTIONS
from simulator.population import draw_customer
from simulator.stack.churn import churn_tallies
from simulator.stack.driver import run_days
from simulator.stack.events import Reminder
from simulator.stack.reactions import react
from simulator.stack.script import _renewals

CUSTOMER = replace(draw_customer(3, 7, 12, DEFAULT_ASSUMPTIONS), timezone="America/New_York")
NOON_IN_NEW_YORK = "2026-03-10T17:00:00+00:00"
MIDNIGHT_IN_NEW_YORK = "2026-03-11T05:00:00+00:00"


def reminder(number: int, template: str = "dunning.card_update.1", at: str = NOON_IN_NEW_YORK) -> Reminder:
    return Reminder("dc_1", "sub_1", number, template, at)


def test_a_reminder_always_annoys_when_annoyance_is_certain_and_never_when_it_is_off() -> None:
    certain = replace(DEFAULT_ASSUMPTIONS, annoyance_per_reminder=1.0, update_after_reminder=0.0)
    never = replace(DEFAULT_ASSUMPTIONS, annoyance_per_reminder=0.0, update_after_reminder=0.0)

    assert [a.kind for _, a in react(reminder(1), CUSTOMER, "expired_card", 1, certain, 5)] == ["annoyed"]
    assert react(reminder(1), CUSTOMER, "expired_card", 1, never, 5) == []


def test_night_reminders_annoy_more_often_than_daytime_ones() -> None:
    a = replace(
        DEFAULT_ASSUMPTIONS, annoyance_per_reminder=0.2, night_annoyance_factor=3.0, update_after_reminder=0
    )

    def annoyed(at: str) -> int:
        return sum(
            any(action.kind == "annoyed" for _, action in react(reminder(n, at=at), CUSTOMER, "x", 1, a, 0))
            for n in range(1, 2001)
        )

    day, night = annoyed(NOON_IN_NEW_YORK), annoyed(MIDNIGHT_IN_NEW_YORK)
    assert 300 < day < 500
    assert night > 2.4 * day


def test_a_card_update_reminder_can_bring_a_new_card_within_five_days_but_not_for_a_short_balance() -> None:
    a = replace(DEFAULT_ASSUMPTIONS, annoyance_per_reminder=0.0, update_after_reminder=1.0)

    [(day, action)] = react(reminder(1), CUSTOMER, "expired_card", 1, a, 10)
    short = react(reminder(1), CUSTOMER, "insufficient_funds", 1, a, 10)

    assert (action.kind, action.card) == ("card", "pm_card_visa")
    assert 10 <= day <= 15
    assert short == [], "a new card does not refill a bank account"


def test_the_beach_offer_is_taken_with_the_configured_share_for_one_to_three_months() -> None:
    a = replace(DEFAULT_ASSUMPTIONS, takes_dunning_offer_share=0.3)
    offers = [react(reminder(n, "dunning.beach_offer"), CUSTOMER, "x", 1, a, 4) for n in range(1, 1001)]
    taken = [actions[0][1] for actions in offers if actions]

    assert 240 < len(taken) < 360
    assert {action.kind for action in taken} == {"beach_offer"}
    assert {action.months for action in taken} == {1, 2, 3}


def test_a_reaction_depends_on_which_case_it_is_not_on_the_random_case_id() -> None:
    a = replace(DEFAULT_ASSUMPTIONS, annoyance_per_reminder=0.5, update_after_reminder=0.5)
    first_run = Reminder("dc_aaa", "sub_1", 2, "dunning.card_update.2", NOON_IN_NEW_YORK, case_number=1)
    second_run = replace(first_run, case_id="dc_bbb")
    reactions = {
        n: react(replace(first_run, case_number=n), CUSTOMER, "expired_card", 9, a, 3) for n in range(1, 30)
    }

    assert react(first_run, CUSTOMER, "expired_card", 9, a, 3) == react(
        second_run, CUSTOMER, "expired_card", 9, a, 3
    )
    assert len({repr(r) for r in reactions.values()}) > 1, "each of a customer's cases draws afresh"


def test_the_same_reminder_gets_the_same_reaction_every_run() -> None:
    a = replace(DEFAULT_ASSUMPTIONS, annoyance_per_reminder=0.5, update_after_reminder=0.5)

    assert react(reminder(2), CUSTOMER, "expired_card", 9, a, 3) == react(
        reminder(2), CUSTOMER, "expired_card", 9, a, 3
    )


def test_churn_splits_cancellations_by_who_ended_them_and_counts_each_variants_own_customers() -> None:
    customers = {0: "cus_a", 1: "cus_b", 2: "cus_c", 3: "cus_d", 4: "cus_e", 5: "cus_f"}
    subscriptions = {i: f"sub_{i}" for i in customers}
    status = {0: "canceled", 1: "canceled", 2: "canceled", 3: "active", 4: "past_due", 5: "canceled"}
    variants = {"sub_0": "gentle", "sub_1": "gentle", "sub_2": "aggressive", "sub_3": "aggressive"}
    variants["sub_5"] = "gentle"
    canceled_by = {"sub_0": "dunning", "sub_1": "admin", "sub_2": "customer", "sub_5": "customer"}

    tallies = churn_tallies(customers, subscriptions, status, variants, canceled_by, {1}, {"gentle": 100})

    # sub_5 asked to leave while a payment case was open: its case closed `canceled`, but
    # the customer chose it, so it is voluntary churn, not involuntary
    assert tallies["gentle"] == Counter(customers=4, churn_involuntary=1, churn_voluntary=2, churn_annoyed=1)
    assert tallies["aggressive"] == Counter(customers=2, churn_voluntary=1)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)))
def test_a_run_sees_one_renewal_fewer_than_its_months_whatever_day_it_starts(start: datetime) -> None:
    for months in (1, 3, 12):
        renewals = _renewals(months, start)
        days = run_days(start, months)

        assert len(renewals) == months - 1
        assert all(0 < day < days for day in renewals)
