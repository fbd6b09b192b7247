"""One sample of every message, with fixed facts, for the template tests."""

from __future__ import annotations

from datetime import date

from shared.mail.writer import MESSAGE_NAMES
from shared.money import Money

LINK = "https://portal.example.com/recover?token=rt_example&case=dc_1"

FACTS: dict[str, dict[str, object]] = {
    "dunning.card_update": {"amount": Money.of(1500, "EUR"), "expired": True, "reminder": 2},
    "dunning.hard_decline.new_card": {"amount": Money.of(1200, "JPY")},
    "dunning.beach_offer": {"amount": Money.of(1500, "USD")},
    "dunning.card_expiring": {"card": "Visa •••• 4242", "expires_on": date(2027, 3, 31)},
    "pause.confirmed": {
        "starts_on": date(2027, 1, 31),
        "resumes_on": date(2027, 3, 31),
        "fee": Money.of(100, "EUR"),
    },
    "pause.extended": {"starts_on": date(2027, 1, 31), "resumes_on": date(2027, 4, 30)},
    "pause.resumed": {"starts_on": date(2027, 1, 31), "resumes_on": date(2027, 3, 31)},
    "pause.resume_reminder": {
        "starts_on": date(2027, 1, 31),
        "resumes_on": date(2027, 3, 31),
        "price": Money.of(1500, "EUR"),
    },
}
assert set(FACTS) == set(MESSAGE_NAMES), "every message needs a sample"
