"""Every number the simulated subscriber base is drawn from, in one documented place.

The defaults follow DESIGN.md's "Why it exists" figures: card failures cause 20-40% of
lost subscribers; about 21% of failed payments recover before any email; most
recoveries happen 2-12 days after the decline; payday retries on the 1st and 15th
recover more for consumer plans. Everything else is a stated guess a reader can change,
so a result is only ever as good as the line here that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanMix:
    """A plan, its monthly price in minor units, and its share of customers."""

    code: str
    amount: int
    currency: str
    share: float


DEFAULT_PLANS: tuple[PlanMix, ...] = (
    PlanMix("basic-usd", 1500, "USD", 0.75),
    PlanMix("basic-eur", 1400, "EUR", 0.17),
    PlanMix("basic-jpy", 2000, "JPY", 0.08),
)
"""USD 15.00 monthly mostly (DESIGN.md's example price), some EUR and JPY."""

TIMEZONES: dict[str, tuple[str, ...]] = {
    "USD": ("America/New_York", "America/Chicago", "America/Los_Angeles"),
    "EUR": ("Europe/Berlin", "Europe/Paris"),
    "JPY": ("Asia/Tokyo",),
}

USD_RATES: dict[str, float] = {"USD": 1.0, "EUR": 1.08, "JPY": 0.0067}
"""Fixed rates, only to add currencies up in the summary; the CSVs keep each currency."""


@dataclass(frozen=True)
class Assumptions:
    """Probabilities are per customer unless they say per renewal, per reminder or per month."""

    plans: tuple[PlanMix, ...] = DEFAULT_PLANS
    # Expired cards: cards last 3-5 years, so about a quarter expire within a year.
    card_expires_share: float = 0.25
    updater_covers_share: float = 0.80
    """The network's account updater delivers the new card for most expired cards."""
    updater_fast_share: float = 0.26
    """Of those, delivered within 2 days: 0.80 x 0.26 = 21% recover before any email."""
    updater_main_days: tuple[float, float] = (2.0, 12.0)
    """Most recoveries happen 2-12 days after the decline (DESIGN.md)."""
    updater_slow_share: float = 0.10
    updater_slow_days: tuple[float, float] = (12.0, 30.0)
    # Insufficient funds clear around paydays.
    insufficient_funds_per_renewal: float = 0.02
    funds_clear_at_payday_share: float = 0.70
    """Most short balances are refilled by the next 1st or 15th."""
    funds_clear_days: tuple[float, float] = (1.0, 10.0)
    funds_never_clear_share: float = 0.10
    # Soft generic declines: a few spaced retries usually go through.
    soft_decline_per_renewal: float = 0.007
    soft_retry_success: float = 0.45
    # Hard declines: lost or stolen cards never recover without a new card.
    card_lost_share: float = 0.02
    new_card_after_request: float = 0.35
    """A customer asked for a new card gives one (within 1-5 days) with this chance."""
    new_card_unprompted: float = 0.15
    """...and some add one unasked, within 30 days of the decline."""
    update_after_reminder: float = 0.10
    """Each card-update reminder's one-click link gets a new card with this chance."""
    # Annoyance: every reminder risks a cancellation; at night it risks double.
    annoyance_per_reminder: float = 0.012
    night_annoyance_factor: float = 2.0
    # Customers who want a break and would cancel without a pause.
    wants_break_per_month: float = 0.012
    takes_pause_share: float = 0.55
    """Of those offered a pause instead of cancelling, this share takes it."""
    pause_months_weights: tuple[float, float, float] = (0.40, 0.35, 0.25)
    returns_after_pause_share: float = 0.75
    """Of those back from the beach, this share stays; the rest cancel on the resume date."""
    takes_dunning_offer_share: float = 0.20
    """A past-due customer offered the beach pause near the end of the window takes it."""


DEFAULT_ASSUMPTIONS = Assumptions()
