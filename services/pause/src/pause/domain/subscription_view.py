"""What the pause service knows about a billing subscription.

Pause may not read billing's or dunning's tables, so it decides from this replica, fed by
`billing.events` and `dunning.events`. It can lag behind billing by a few messages; the
domain treats it as the best knowledge available and billing re-checks on `pause.started`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

from shared.calendar import as_utc
from shared.errors import DomainError
from shared.money import Money

SubscriptionStatus = Literal["active", "past_due", "paused", "canceled"]
SUBSCRIPTION_STATUSES: Final[tuple[str, ...]] = get_args(SubscriptionStatus)


@dataclass(frozen=True)
class SubscriptionView:
    """A read-only snapshot; `beach_fee` is the plan's fee per paused month, if it set one."""

    id: str
    customer_id: str
    plan_code: str
    price: Money
    beach_fee: Money | None
    status: SubscriptionStatus
    current_period_start: datetime
    current_period_end: datetime
    open_dunning_case: bool = False
    dunning_offer_open: bool = False
    plan_name: str | None = None
    """What the customer calls the plan; None for subscriptions older than the name in events."""

    @property
    def plan_title(self) -> str:
        return self.plan_name or self.plan_code

    def __post_init__(self) -> None:
        if self.status not in SUBSCRIPTION_STATUSES:
            raise DomainError("status", f"unknown subscription status {self.status!r}")
        for name in ("current_period_start", "current_period_end"):
            object.__setattr__(self, name, as_utc(getattr(self, name), name))
        if self.beach_fee is not None and self.beach_fee.currency != self.price.currency:
            raise DomainError("beach_fee", "the beach fee must be in the plan's currency")
