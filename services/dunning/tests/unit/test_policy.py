"""The policy is versioned configuration: gentle by default, validated when loaded."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.domain.experiments import DEFAULT_WEIGHTS, assign_variant
from dunning.domain.local_time import QuietHours
from dunning.domain.policy import (
    AGGRESSIVE,
    BUILT_IN_POLICIES,
    DEFAULT_POLICY,
    GENTLE,
    HOLDOUT,
    DunningPolicy,
    FinalAction,
    RetryStrategy,
)
from dunning.domain.policy_config import policy_from_dict, policy_to_dict
from shared.contracts.dunning import CaseOutcome


def test_the_gentle_policy_has_the_numbers_of_the_design() -> None:
    assert GENTLE.version == "gentle-v1"
    assert GENTLE.window == timedelta(days=21)
    assert GENTLE.max_reminders == 3
    assert GENTLE.hard_decline_max_reminders == 1
    assert GENTLE.min_reminder_gap == timedelta(hours=72)
    assert GENTLE.quiet_hours == QuietHours(time(21, 0), time(8, 0))
    assert GENTLE.expired_card_quiet_period == timedelta(days=3)
    assert GENTLE.paydays == (1, 15)
    assert GENTLE.payday_time == time(0, 1)
    assert GENTLE.insufficient_funds_fallback == timedelta(days=3)
    assert GENTLE.soft_retry_days == (1, 3, 5, 8, 12, 17)
    assert GENTLE.beach_offer_before_end == timedelta(days=2)
    assert GENTLE.retry_strategy is RetryStrategy.BY_DECLINE_CLASS


def test_the_default_is_gentle_and_never_aggressive() -> None:
    assert DEFAULT_POLICY is GENTLE
    assert (
        policy_from_dict({"version": "x-1", "variant": "x"}).retry_strategy is RetryStrategy.BY_DECLINE_CLASS
    )
    assert all(assign_variant(f"cus_{n}", DEFAULT_WEIGHTS) == GENTLE.variant for n in range(500))


def test_the_aggressive_baseline_drops_every_reminder_limit() -> None:
    assert AGGRESSIVE.quiet_hours is None
    assert AGGRESSIVE.max_reminders is None
    assert AGGRESSIVE.hard_decline_max_reminders is None
    assert AGGRESSIVE.expired_card_quiet_period == timedelta(0)
    assert AGGRESSIVE.reminder_every == AGGRESSIVE.min_reminder_gap == timedelta(days=1)
    assert AGGRESSIVE.retry_strategy is RetryStrategy.DAILY
    assert AGGRESSIVE.max_retries is None


def test_the_final_action_maps_to_a_case_outcome() -> None:
    assert FinalAction.PAUSE.outcome is CaseOutcome.PAUSED
    assert FinalAction.CANCEL.outcome is CaseOutcome.CANCELED


def test_built_in_policies_are_found_by_their_version() -> None:
    assert BUILT_IN_POLICIES == {"gentle-v1": GENTLE, "aggressive-v1": AGGRESSIVE, "holdout-v1": HOLDOUT}


def test_a_policy_cannot_be_changed_once_built() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        GENTLE.max_reminders = 10  # type: ignore[misc]


@pytest.mark.parametrize("policy", [GENTLE, AGGRESSIVE])
def test_a_policy_survives_a_round_trip_through_its_configuration(policy: DunningPolicy) -> None:
    assert policy_from_dict(policy_to_dict(policy)) == policy


def test_keys_left_out_take_the_gentle_defaults_and_given_ones_override_them() -> None:
    policy = policy_from_dict(
        {"version": "gentle-v2", "variant": "gentle-cancel", "final_action": "cancel", "window_days": 28}
    )

    assert policy.final_action is FinalAction.CANCEL
    assert policy.window == timedelta(days=28)
    assert dataclasses.replace(
        policy, version="gentle-v1", variant="gentle", final_action=FinalAction.PAUSE
    ) == (dataclasses.replace(GENTLE, window=timedelta(days=28)))


def test_limits_and_quiet_hours_can_be_switched_off_with_null() -> None:
    policy = policy_from_dict(
        {
            "version": "v",
            "variant": "v",
            "max_reminders": None,
            "quiet_hours": None,
            "beach_offer_days_before_end": None,
        }
    )

    assert (policy.max_reminders, policy.quiet_hours, policy.beach_offer_before_end) == (None, None, None)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"max_reminder": 3}, "unknown dunning policy keys: max_reminder"),
        ({"version": None}, "version"),
        ({"window_days": 0}, "window"),
        ({"window_days": "21"}, "window_days"),
        ({"window_days": True}, "window_days"),
        ({"max_reminders": -1}, "negative"),
        ({"max_reminders": 2.5}, "max_reminders"),
        ({"min_reminder_gap_hours": 0}, "min_reminder_gap"),
        ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet hours"),
        ({"quiet_hours": {"start": "9pm", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"from": "21:00", "to": "08:00"}}, "quiet_hours"),
        ({"paydays": [15, 1]}, "paydays"),
        ({"paydays": [31]}, "paydays"),
        ({"paydays": []}, "paydays"),
        ({"soft_retry_days": [1, 25]}, "soft_retry_days"),
        ({"soft_retry_days": 3}, "soft_retry_days"),
        ({"final_action": "delete"}, "final_action must be one of pause, cancel"),
        ({"retry_strategy": "hourly"}, "retry_strategy"),
        ({"beach_offer_days_before_end": 21}, "beach_offer_before_end"),
        ({"payday_time": "00:01:30"}, "payday_time"),
        ({"expired_card_quiet_days": 30}, "expired_card_quiet_period"),
        ({"insufficient_funds_fallback_days": 0}, "insufficient_funds_fallback"),
        ({"retry_result_wait_minutes": -5}, "retry_result_wait"),
    ],
)
def test_a_bad_configuration_is_refused_with_the_key_at_fault(change: dict[str, Any], complaint: str) -> None:
    config = policy_to_dict(GENTLE) | change

    with pytest.raises(ValueError, match=complaint):
        policy_from_dict(config)


def test_a_policy_built_in_code_with_a_plain_string_for_an_enum_is_refused() -> None:
    with pytest.raises(ValueError, match="final_action must be a FinalAction"):
        dataclasses.replace(GENTLE, final_action="cancel")  # type: ignore[arg-type]


def test_a_configuration_without_version_is_refused() -> None:
    with pytest.raises(ValueError, match="needs version"):
        policy_from_dict({"variant": "gentle"})


valid_configs = st.fixed_dictionaries(
    {
        "version": st.from_regex(r"[a-z]{1,8}-v[0-9]", fullmatch=True),
        "variant": st.sampled_from(["gentle", "aggressive", "quiet"]),
        "window_days": st.integers(14, 40),
        "final_action": st.sampled_from(["pause", "cancel"]),
        "max_reminders": st.none() | st.integers(0, 10),
        "min_reminder_gap_hours": st.integers(1, 200),
        "reminder_every_hours": st.integers(1, 300),
        "soft_retry_days": st.lists(st.integers(1, 13), unique=True).map(sorted),
        "paydays": st.lists(st.integers(1, 28), min_size=1, max_size=4, unique=True).map(sorted),
        "quiet_hours": st.none()
        | st.sampled_from([{"start": "21:00", "end": "08:00"}, {"start": "22:30", "end": "07:15"}]),
        "retry_strategy": st.sampled_from(["by_decline_class", "daily"]),
    }
)


@given(valid_configs)
def test_any_valid_configuration_round_trips_unchanged(config: dict[str, Any]) -> None:
    policy = policy_from_dict(config)

    again = policy_to_dict(policy)

    assert {key: again[key] for key in config} == config
    assert policy_from_dict(again) == policy
