"""Dunning policies as versioned configuration: a plain dict (from JSON or YAML) in and out.

Units are in the key names (`window_days`, `min_reminder_gap_hours`), so nobody has to
guess them. Unknown keys are refused rather than ignored: a misspelt limit would
otherwise silently fall back to a default. Keys left out take the gentle defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import time, timedelta
from typing import Any

from dunning.domain.local_time import QuietHours
from dunning.domain.policy import DAY, HOUR, DunningPolicy, FinalAction, RetryStrategy

MINUTE = timedelta(minutes=1)

_DURATIONS: dict[str, tuple[str, timedelta]] = {
    "window_days": ("window", DAY),
    "beach_offer_days_before_end": ("beach_offer_before_end", DAY),
    "first_reminder_after_hours": ("first_reminder_after", HOUR),
    "reminder_every_hours": ("reminder_every", HOUR),
    "min_reminder_gap_hours": ("min_reminder_gap", HOUR),
    "expired_card_quiet_days": ("expired_card_quiet_period", DAY),
    "insufficient_funds_fallback_days": ("insufficient_funds_fallback", DAY),
    "retry_result_wait_minutes": ("retry_result_wait", MINUTE),
}
_NULLABLE = {"beach_offer_days_before_end", "max_reminders", "hard_decline_max_reminders", "max_retries"}


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number")
    return value


def _days(key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{key} must be a list of whole days")
    return tuple(_count(key, day) for day in value)


def _clock(key: str, value: Any) -> time:
    try:
        clock = time.fromisoformat(_text(key, value))
    except ValueError as exc:
        raise ValueError(f"{key} must be a local time like '08:00'") from exc
    if clock.tzinfo is not None or clock.second or clock.microsecond:
        raise ValueError(f"{key} must be a local time like '08:00', without seconds or offset")
    return clock


def _quiet_hours(key: str, value: Any) -> QuietHours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"start", "end"}:
        raise ValueError(f"{key} must be null or {{'start': 'HH:MM', 'end': 'HH:MM'}}")
    return QuietHours(_clock(f"{key}.start", value["start"]), _clock(f"{key}.end", value["end"]))


def _choice(kind: type[FinalAction] | type[RetryStrategy]) -> Callable[[str, Any], Any]:
    def parse(key: str, value: Any) -> Any:
        try:
            return kind(_text(key, value))
        except ValueError as exc:
            raise ValueError(f"{key} must be one of {', '.join(kind)}") from exc

    return parse


_PARSERS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "version": ("version", _text),
    "variant": ("variant", _text),
    "final_action": ("final_action", _choice(FinalAction)),
    "retry_strategy": ("retry_strategy", _choice(RetryStrategy)),
    "max_reminders": ("max_reminders", _count),
    "hard_decline_max_reminders": ("hard_decline_max_reminders", _count),
    "max_retries": ("max_retries", _count),
    "quiet_hours": ("quiet_hours", _quiet_hours),
    "soft_retry_days": ("soft_retry_days", _days),
    "paydays": ("paydays", _days),
    "payday_time": ("payday_time", _clock),
}


def _duration(key: str, value: Any, unit: timedelta) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return value * unit


def policy_from_dict(config: Mapping[str, Any]) -> DunningPolicy:
    """A validated policy; raises ValueError naming the offending key."""
    unknown = sorted(set(config) - set(_DURATIONS) - set(_PARSERS))
    if unknown:
        raise ValueError(f"unknown dunning policy keys: {', '.join(unknown)}")
    missing = [key for key in ("version", "variant") if key not in config]
    if missing:
        raise ValueError(f"a dunning policy needs {' and '.join(missing)}")
    arguments: dict[str, Any] = {}
    for key, value in config.items():
        if value is None and key in _NULLABLE:
            arguments[(_DURATIONS.get(key) or _PARSERS[key])[0]] = None
        elif key in _DURATIONS:
            name, unit = _DURATIONS[key]
            arguments[name] = _duration(key, value, unit)
        else:
            name, parse = _PARSERS[key]
            arguments[name] = parse(key, value)
    return DunningPolicy(**arguments)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def policy_to_dict(policy: DunningPolicy) -> dict[str, Any]:
    """The configuration that `policy_from_dict` turns back into an equal policy."""
    config: dict[str, Any] = {
        field.name: getattr(policy, field.name)
        for field in fields(policy)
        if field.name in _PARSERS and field.name not in {"quiet_hours", "payday_time"}
    }
    for key in ("final_action", "retry_strategy"):
        config[key] = str(config[key])
    config["soft_retry_days"] = list(policy.soft_retry_days)
    config["paydays"] = list(policy.paydays)
    config["payday_time"] = policy.payday_time.strftime("%H:%M")
    quiet = policy.quiet_hours
    config["quiet_hours"] = (
        None
        if quiet is None
        else {"start": quiet.start.strftime("%H:%M"), "end": quiet.end.strftime("%H:%M")}
    )
    for key, (name, unit) in _DURATIONS.items():
        duration: timedelta | None = getattr(policy, name)
        config[key] = None if duration is None else _number(duration / unit)
    return config
