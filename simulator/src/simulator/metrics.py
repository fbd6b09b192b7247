"""The comparison finance asks for, computed the same way from either engine's counts.

Rates are shares of the right denominator: recovery of dunning cases, churn of
customers, take-up of cancel intents, return of pauses that ended within the run.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.money import currency_exponent
from simulator.assumptions import USD_RATES
from simulator.model.tally import METHOD, Tally, money_in

METRICS: dict[str, str] = {
    "recovery_rate": "recovery rate",
    "recovered_usd": "recovered revenue (USD eq.)",
    "reminders_per_recovered": "reminders per recovered case",
    "zero_contact_share": "zero-contact recoveries (share)",
    "involuntary_churn": "involuntary churn",
    "voluntary_churn": "voluntary churn",
    "annoyed_churn": "churn annoyed by reminders",
    "pause_take_up": "pause take-up of cancel intents",
    "return_after_pause": "return rate after a pause",
}
PERCENT = {
    "recovery_rate",
    "zero_contact_share",
    "involuntary_churn",
    "voluntary_churn",
    "annoyed_churn",
    "pause_take_up",
    "return_after_pause",
}


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def usd_equivalent(amounts: Mapping[str, int]) -> float:
    total = 0.0
    for currency, amount in amounts.items():
        total += amount / 10 ** currency_exponent(currency) * USD_RATES.get(currency, 1.0)
    return total


def summarize(tally: Tally) -> dict[str, float]:
    customers = tally["customers"]
    return {
        "recovery_rate": _share(tally["recovered_cases"], tally["cases"]),
        "recovered_usd": usd_equivalent(money_in(tally, "recovered")),
        "reminders_per_recovered": _share(tally["contacts_on_recovered"], tally["recovered_cases"]),
        "zero_contact_share": _share(tally["zero_contact_recoveries"], tally["recovered_cases"]),
        "involuntary_churn": _share(tally["churn_involuntary"], customers),
        "voluntary_churn": _share(tally["churn_voluntary"], customers),
        "annoyed_churn": _share(tally["churn_annoyed"], customers),
        "pause_take_up": _share(tally["pauses_from_intents"], tally["cancel_intents"]),
        "return_after_pause": _share(tally["returned_after_pause"], tally["pauses_ended"]),
    }


def recovery_methods(tally: Tally) -> dict[str, float]:
    """Each recovery method's share of the recovered cases, as dunning's report counts them."""
    counts = {key.removeprefix(f"{METHOD}:"): n for key, n in tally.items() if key.startswith(f"{METHOD}:")}
    return {method: _share(n, tally["recovered_cases"]) for method, n in sorted(counts.items())}


def formatted(metric: str, value: float) -> str:
    if metric in PERCENT:
        return f"{value * 100:.1f}%"
    if metric == "recovered_usd":
        return f"${value:,.0f}"
    return f"{value:.2f}"
