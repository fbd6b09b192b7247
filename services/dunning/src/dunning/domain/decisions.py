"""What the engine asks the service layer to do now; each maps to one message out.

| decision     | case method            | message                                        |
|--------------|------------------------|------------------------------------------------|
| `Retry`      | `record_retry`         | `payment.retry` on `billing.commands`          |
| `Remind`     | `record_reminder`      | `notification.requested` with a card-update link |
| `OfferBeach` | `record_beach_offer`   | `notification.requested` (the pause offer)     |
| `Close`      | `close`                | `subscription.cancel` when the outcome is canceled |

Template ids are fixed names rather than configuration: the notifier's texts and the
pause service (which opens the dunning offer on `dunning.beach_offer`) depend on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dunning.domain.case_facts import RetryReason
from shared.contracts.dunning import CaseOutcome

CARD_UPDATE_TEMPLATES: tuple[str, ...] = (
    "dunning.card_update.1",
    "dunning.card_update.2",
    "dunning.card_update.3",
)
"""Every reminder asks for a card update; past the third, the third text repeats."""

HARD_DECLINE_TEMPLATE = "dunning.hard_decline.new_card"
BEACH_OFFER_TEMPLATE = "dunning.beach_offer"


def card_update_template(reminder_number: int) -> str:
    return CARD_UPDATE_TEMPLATES[min(reminder_number, len(CARD_UPDATE_TEMPLATES)) - 1]


@dataclass(frozen=True)
class Retry:
    reason: RetryReason
    retry_number: int


@dataclass(frozen=True)
class Remind:
    template_id: str
    reminder_number: int


@dataclass(frozen=True)
class OfferBeach:
    template_id: str = BEACH_OFFER_TEMPLATE


@dataclass(frozen=True)
class Close:
    """The configured final action at the end of the window."""

    outcome: CaseOutcome


Decision = Retry | Remind | OfferBeach | Close
