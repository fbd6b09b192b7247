"""Why the portal refuses a break, in words a customer understands (to be translated).

Apart from the pages so that the portal's session, which words a refusal from the
domain, and the pages, which add a way forward to each, share one list.
"""

from __future__ import annotations

from pause.entrypoints.web.page import N_

REFUSALS: dict[str, str] = {
    "unknown_subscription": N_("We couldn't find that subscription."),
    "canceled": N_("This subscription has been canceled, so there is nothing to pause."),
    "already_paused": N_(
        "You already have a break until %(day)s. You can extend it or come back early instead."
    ),
    "open_dunning_case": N_(
        "You can't take a break while a payment is open. Update your card and the payment "
        "goes through; then a break is yours to take."
    ),
    "dunning_offer_closed": N_(
        "This offer is no longer open. You can still take a break from your account page."
    ),
    "too_many_pauses": N_(
        "You've already taken the breaks your plan allows in 12 months. You can take another from %(day)s."
    ),
}
