"""The portal shows dates on the customer's own calendar."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from pause.entrypoints.web.page import CUSTOMER_ZONE, day

LATE_UTC = datetime(2027, 1, 23, 2, 30, tzinfo=UTC)


def in_zone(zone: str) -> str:
    def read() -> str:
        CUSTOMER_ZONE.set(zone)
        return day(LATE_UTC)

    return contextvars.copy_context().run(read)


def test_a_resume_at_half_past_two_utc_is_still_the_evening_before_in_new_york() -> None:
    assert in_zone("America/New_York") == "Friday 22 January 2027"
    assert in_zone("Europe/Paris") == "Saturday 23 January 2027"


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert in_zone("Mars/Olympus_Mons") == "Saturday 23 January 2027"
