"""What pause can be asked: its commands and queries, and the answers they give.

An HTTP route, a portal page and a scheduler tick build one of these and hand it to
the bus (`pause.service_layer.handlers`), which finds its one handler. Every message
that acts for someone carries the `Principal`: the admin key, or one customer through a
portal token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pause.domain.cancel_intent import CancelIntent
from pause.domain.card_on_file import CardOnFile
from pause.domain.pause import BeachPause
from pause.domain.subscription_view import SubscriptionView
from shared.bus import Command, Query
from shared.errors import NotAllowed
from shared.money import Money


@dataclass(frozen=True)
class Principal:
    """Who is asking: `customer_id` is None for the admin key; `recovery_case` is set for a
    session opened from a dunning message's recovery link, which may take the beach offer
    and nothing else here."""

    customer_id: str | None
    recovery_case: str | None = None

    def may_see(self, customer_id: str) -> bool:
        return self.customer_id is None or self.customer_id == customer_id

    def must_be_full_session(self, action: str) -> None:
        if self.recovery_case is not None:
            raise NotAllowed("session", f"a recovery link cannot {action}; please sign in to the portal")


@dataclass(frozen=True)
class DurationOption:
    months: int
    starts_at: datetime
    resumes_at: datetime
    fee_total: Money


@dataclass(frozen=True)
class PauseOptions:
    subscription_id: str
    eligible: bool
    reason: str | None
    message: str | None
    fee_per_month: Money
    regular_price: Money
    durations: list[DurationOption]
    refused_until: datetime | None = None


@dataclass(frozen=True)
class PortalSummary:
    customer_id: str
    name: str | None
    subscriptions: list[SubscriptionView]
    live_pauses: dict[str, BeachPause]
    card: CardOnFile | None
    now: datetime
    extension_room: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GetPauseOptions(Query[PauseOptions]):
    """What the customer sees before confirming: durations, the fee and exact dates."""

    subscription_id: str
    who: Principal


@dataclass(frozen=True)
class PauseSubscription(Command[BeachPause]):
    subscription_id: str
    months: int
    who: Principal


@dataclass(frozen=True)
class ResumeEarly(Command[BeachPause]):
    pause_id: str
    who: Principal


@dataclass(frozen=True)
class ExtendPause(Command[BeachPause]):
    """`months_more` is added; the pause stays within the plan's limit."""

    pause_id: str
    months_more: int
    who: Principal


@dataclass(frozen=True)
class RecordCancelIntent(Command[tuple[CancelIntent, PauseOptions]]):
    """Note why the customer wants to leave; the answer carries the beach offer."""

    subscription_id: str
    reason: str
    who: Principal


@dataclass(frozen=True)
class ConfirmCancel(Command[CancelIntent]):
    """The customer declined the pause: ask billing to cancel."""

    intent_id: str
    who: Principal


@dataclass(frozen=True)
class ListPauses(Query[list[BeachPause]]):
    """A customer's pauses; `customer_id` may be left out by a customer's own token."""

    customer_id: str | None
    who: Principal


@dataclass(frozen=True)
class GetPortalSummary(Query[PortalSummary]):
    """Everything the portal's home page shows the customer of the session."""

    customer_id: str


@dataclass(frozen=True)
class OpenDunningCase(Query[str | None]):
    """The customer's open dunning case, whose payment date the portal lets them pick."""

    customer_id: str


@dataclass(frozen=True)
class CustomerTimezone(Query[str]):
    """The zone the portal shows the customer's dates in; UTC until billing said one."""

    customer_id: str


@dataclass(frozen=True)
class CustomerLocale(Query[str]):
    """The language the portal speaks to the customer (BCP 47); English until billing said."""

    customer_id: str


@dataclass(frozen=True)
class RunDuePauseMoments(Command[int]):
    """Start, remind and end the pauses whose moment has come; answers how many."""


@dataclass(frozen=True)
class CountDuePauseMoments(Query[int]):
    pass


@dataclass(frozen=True)
class NextPauseMoment(Query[datetime | None]):
    """The next start, reminder or end of any pause: the test clock stops there."""
