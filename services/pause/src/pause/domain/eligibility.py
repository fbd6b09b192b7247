"""May this subscription go on the beach now? A pure decision with a reason to show.

The portal shows `message` to the customer; code, reports and tests branch on `reason`,
whose values are stable. Rules are checked from the most to the least fundamental, so a
customer hears the reason that matters (a canceled subscription is not "too many pauses").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionView
from shared.calendar import add_months, as_utc

Reason = Literal[
    "unknown_subscription",
    "canceled",
    "already_paused",
    "open_dunning_case",
    "dunning_offer_closed",
    "too_many_pauses",
]


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: Reason | None = None
    message: str | None = None
    until: datetime | None = None
    """The moment the refusal is about (the current break's end, the next allowed break),
    so a page can write it in the customer's language."""


ELIGIBLE = Eligibility(eligible=True)


def _refuse(reason: Reason, message: str, until: datetime | None = None) -> Eligibility:
    return Eligibility(eligible=False, reason=reason, message=message, until=until)


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def pauses_in_last_12_months(pauses: Sequence[BeachPause], now: datetime) -> list[BeachPause]:
    """Pauses that count toward the limit, by `starts_at`: the day a break began (or begins).

    `starts_at` rather than `created_at`, because the limit is about time away, and the
    customer sees that date. A pause stops counting once it is 12 calendar months old
    (a pause from 29 February 2024 on 28 February 2025), and a scheduled one counts too.
    """
    now = as_utc(now)
    return [pause for pause in pauses if pause.counts_toward_limit and now < add_months(pause.starts_at, 12)]


def check_eligibility(
    subscription: SubscriptionView | None,
    pauses: Sequence[BeachPause],
    now: datetime,
    policy: PausePolicy,
    *,
    dunning_offer: bool = False,
) -> Eligibility:
    """Decide from the replica and this subscription's pauses (others in `pauses` are ignored).

    With `dunning_offer=True` an open dunning case is no obstacle, provided dunning has
    actually offered the pause; a stale offer link is refused rather than silently turned
    into a pause that starts today on a subscription that is paid up again.
    """
    if subscription is None:
        return _refuse("unknown_subscription", "We couldn't find that subscription.")
    if subscription.status == "canceled":
        return _refuse("canceled", "This subscription has been canceled, so there is nothing to pause.")
    own = [pause for pause in pauses if pause.subscription_id == subscription.id]
    current = [p for p in own if p.status in (PauseStatus.SCHEDULED, PauseStatus.ACTIVE)]
    if current:
        return _refuse(
            "already_paused",
            f"You already have a break until {_day(current[0].resumes_at)}. "
            "You can extend it or come back early instead.",
            current[0].resumes_at,
        )
    if subscription.status == "paused":
        return _refuse("already_paused", "Your subscription is already paused.")
    offered = dunning_offer and subscription.dunning_offer_open
    if subscription.open_dunning_case and not offered:
        return _refuse(
            "open_dunning_case",
            "Please update your payment details first; you can take a break once your account is settled.",
        )
    if dunning_offer and not offered:
        return _refuse(
            "dunning_offer_closed",
            "This offer is no longer open. You can still take a break from your account page.",
        )
    return _within_limit(own, now, policy)


def _within_limit(pauses: Sequence[BeachPause], now: datetime, policy: PausePolicy) -> Eligibility:
    limit = policy.max_pauses_per_12_months
    recent = sorted(pause.starts_at for pause in pauses_in_last_12_months(pauses, now))
    if len(recent) < limit:
        return ELIGIBLE
    if limit == 0:
        return _refuse("too_many_pauses", "Breaks aren't part of this plan, sorry.")
    again = add_months(recent[-limit], 12)
    return _refuse(
        "too_many_pauses",
        f"You've already taken {len(recent)} breaks in the last 12 months. "
        f"You can take another from {_day(again)}.",
        again,
    )
