"""The "on the beach" policy: durations, limits, reminder and fee, per plan.

Product and finance tune these without a deploy, so they arrive as versioned
configuration (a dict from JSON or YAML). A typo there must stop the service with the
setting's path named (`plans.pro.durations`), not surface months later as a strange pause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Final

from pause.domain.subscription_view import SubscriptionView
from shared.errors import DomainError
from shared.money import Money, currency_exponent


def default_fee(currency: str) -> Money:
    """1.00 in the currency's own minor units: 100 cents, 1 yen, 1000 fils."""
    return Money.of(10 ** currency_exponent(currency), currency)


def _whole(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DomainError(name, f"{name} must be a whole number of at least {minimum}")
    return value


@dataclass(frozen=True)
class PausePolicy:
    """One plan's rules; `fee_per_month=None` defers to the plan's beach fee, then to 1.00."""

    durations: tuple[int, ...] = (1, 2, 3)
    max_pauses_per_12_months: int = 2
    max_total_months: int = 3
    reminder_before_resume: timedelta = timedelta(days=7)
    fee_per_month: Money | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.durations, tuple | list) or not self.durations:
            raise DomainError("durations", "durations must list at least one number of months")
        durations = tuple(_whole(months, "durations", 1) for months in self.durations)
        if len(set(durations)) != len(durations):
            raise DomainError("durations", "durations must not repeat a number of months")
        object.__setattr__(self, "durations", tuple(sorted(durations)))
        _whole(self.max_pauses_per_12_months, "max_pauses_per_12_months", 0)
        _whole(self.max_total_months, "max_total_months", 1)
        if max(durations) > self.max_total_months:
            raise DomainError("durations", "no duration may exceed max_total_months")
        reminder = self.reminder_before_resume
        if not isinstance(reminder, timedelta) or reminder <= timedelta():
            raise DomainError("reminder_before_resume", "reminder_before_resume must be a positive duration")
        if self.fee_per_month is not None and (
            not isinstance(self.fee_per_month, Money) or self.fee_per_month.amount < 0
        ):
            raise DomainError("fee_per_month", "fee_per_month must be a non-negative amount of money")

    def fee_for(self, subscription: SubscriptionView) -> Money:
        """The fee per paused month: this policy's, else the plan's beach fee, else 1.00."""
        currency = subscription.price.currency
        fee = self.fee_per_month
        if fee is None:
            fee = subscription.beach_fee if subscription.beach_fee is not None else default_fee(currency)
        if fee.currency != currency:
            raise DomainError("fee_per_month", f"the pause fee is in {fee.currency}, the plan in {currency}")
        return fee


_BUILT_IN: Final[Mapping[str, object]] = MappingProxyType(
    {
        "durations": [1, 2, 3],
        "max_pauses_per_12_months": 2,
        "max_total_months": 3,
        "reminder_before_resume_days": 7,
        "fee_per_month": None,
    }
)


_LIMIT: Final = "max_pauses_per_12_months"


def _fee(value: object) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"amount", "currency"}:
        shape = '{"amount": <minor units>, "currency": "<ISO 4217>"}'
        raise DomainError("fee_per_month", f"fee_per_month must be {shape}")
    try:
        return Money.of(value["amount"], value["currency"])
    except ValueError as error:
        raise DomainError("fee_per_month", f"fee_per_month is not valid money: {error}") from error


def _policy(section: object, path: str, base: Mapping[str, object]) -> tuple[PausePolicy, dict[str, object]]:
    """Parse one section over `base`; returns the policy and the merged raw settings."""
    if not isinstance(section, Mapping):
        raise DomainError(path, f"{path} must be a mapping of settings")
    for key in section:
        if key not in _BUILT_IN:
            raise DomainError(f"{path}.{key}", f"unknown setting {path}.{key}")
    merged = {**base, **section}
    try:
        durations = merged["durations"]
        if not isinstance(durations, list | tuple):
            raise DomainError("durations", "durations must be a list of months")
        days = _whole(merged["reminder_before_resume_days"], "reminder_before_resume_days", 1)
        policy = PausePolicy(
            durations=tuple(durations),
            max_pauses_per_12_months=_whole(merged[_LIMIT], _LIMIT, 0),
            max_total_months=_whole(merged["max_total_months"], "max_total_months", 1),
            reminder_before_resume=timedelta(days=days),
            fee_per_month=_fee(merged["fee_per_month"]),
        )
    except DomainError as error:
        raise DomainError(f"{path}.{error.field}", f"{path}: {error.message}") from error
    return policy, merged


@dataclass(frozen=True)
class PausePolicies:
    """The default policy and per-plan overrides, as of one configuration `version`."""

    version: int = 1
    default: PausePolicy = field(default_factory=PausePolicy)
    overrides: Mapping[str, PausePolicy] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _whole(self.version, "version", 1)
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def for_plan(self, plan_code: str) -> PausePolicy:
        return self.overrides.get(plan_code, self.default)

    @property
    def longest_reminder_lead(self) -> timedelta:
        """No pause needs attention earlier before its resume date than this."""
        return max(p.reminder_before_resume for p in (self.default, *self.overrides.values()))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PausePolicies:
        """`{"version": 3, "default": {...}, "plans": {"pro": {...}}}`.

        A plan section overrides only the settings it names; the rest come from `default`,
        whose own omissions come from the built-in policy.
        """
        if not isinstance(data, Mapping):
            raise DomainError("version", "the pause policy configuration must be a mapping")
        for key in data:
            if key not in ("version", "default", "plans"):
                raise DomainError(str(key), f"unknown setting {key}")
        version = _whole(data.get("version"), "version", 1)
        default, default_raw = _policy(data.get("default", {}), "default", _BUILT_IN)
        plans = data.get("plans", {})
        if not isinstance(plans, Mapping):
            raise DomainError("plans", "plans must map plan codes to settings")
        overrides: dict[str, PausePolicy] = {}
        for code, section in plans.items():
            if not isinstance(code, str) or not code:
                raise DomainError("plans", "plan codes must be non-empty strings")
            overrides[code] = _policy(section, f"plans.{code}", default_raw)[0]
        return cls(version=version, default=default, overrides=overrides)
