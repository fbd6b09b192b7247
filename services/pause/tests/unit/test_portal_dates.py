"""The portal shows dates and amounts on the customer's own calendar, in their language."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from pause.entrypoints.web.page import CUSTOMER_LOCALE, CUSTOMER_ZONE, day, money
from shared.money import Money

LATE_UTC = datetime(2027, 1, 23, 2, 30, tzinfo=UTC)


def in_zone(zone: str, locale: str = "en") -> str:
    def read() -> str:
        CUSTOMER_ZONE.set(zone)
        CUSTOMER_LOCALE.set(locale)
        return day(LATE_UTC)

    return contextvars.copy_context().run(read)


def amount_for(locale: str, amount: Money) -> str:
    def read() -> str:
        CUSTOMER_LOCALE.set(locale)
        return money(amount)

    return contextvars.copy_context().run(read)


def test_a_resume_at_half_past_two_utc_is_still_the_evening_before_in_new_york() -> None:
    assert in_zone("America/New_York") == "Friday, January 22, 2027"
    assert in_zone("Europe/Paris") == "Saturday, January 23, 2027"


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert in_zone("Mars/Olympus_Mons") == "Saturday, January 23, 2027"


def test_a_french_customer_reads_french_dates_and_euros() -> None:
    assert in_zone("Europe/Paris", "fr") == "samedi 23 janvier 2027"
    assert amount_for("fr", Money.of(1500, "EUR")) == "15,00\u00a0€"


def test_nothing_due_still_says_its_currency() -> None:
    assert amount_for("en", Money.zero("USD")) == "$0.00"
    assert amount_for("ja", Money.zero("JPY")) == "￥0"
