"""The pause policy: the design's defaults, per-plan overrides, configuration errors naming the setting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pause.domain.policy import PausePolicies, PausePolicy
from shared.errors import DomainError
from shared.money import Money


def refused_field(build: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(DomainError) as refused:
        build(*args, **kwargs)
    return refused.value.field


def test_the_default_policy_is_the_one_in_the_design() -> None:
    policy = PausePolicy()

    assert policy.durations == (1, 2, 3)
    assert policy.max_pauses_per_12_months == 2
    assert policy.max_total_months == 3
    assert policy.reminder_before_resume == timedelta(days=7)
    assert policy.fee_per_month is None


def test_durations_are_kept_in_ascending_order() -> None:
    assert PausePolicy(durations=(3, 1, 2)).durations == (1, 2, 3)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"durations": ()}, "durations"),
        ({"durations": (0, 1)}, "durations"),
        ({"durations": (1, 1)}, "durations"),
        ({"durations": (1, 4)}, "durations"),
        ({"durations": (True,)}, "durations"),
        ({"max_total_months": 0}, "max_total_months"),
        ({"max_pauses_per_12_months": -1}, "max_pauses_per_12_months"),
        ({"reminder_before_resume": timedelta()}, "reminder_before_resume"),
        ({"fee_per_month": Money.of(-1, "USD")}, "fee_per_month"),
    ],
)
def test_an_impossible_policy_is_refused_naming_the_field(settings: dict[str, Any], field: str) -> None:
    assert refused_field(PausePolicy, **settings) == field


CONFIG: dict[str, Any] = {
    "version": 4,
    "default": {"durations": [1, 2, 3, 6], "max_total_months": 6, "fee_per_month": None},
    "plans": {
        "premium": {"max_pauses_per_12_months": 3, "reminder_before_resume_days": 3},
        "jp-basic": {"fee_per_month": {"amount": 50, "currency": "JPY"}, "durations": [1]},
    },
}


def test_policies_are_read_from_a_versioned_configuration() -> None:
    policies = PausePolicies.from_dict(CONFIG)

    assert policies.version == 4
    assert policies.default == PausePolicy(durations=(1, 2, 3, 6), max_total_months=6)


def test_a_plan_section_overrides_only_the_settings_it_names() -> None:
    premium = PausePolicies.from_dict(CONFIG).for_plan("premium")

    assert premium == PausePolicy(
        durations=(1, 2, 3, 6),
        max_total_months=6,
        max_pauses_per_12_months=3,
        reminder_before_resume=timedelta(days=3),
    )


def test_a_plan_can_set_its_own_fee() -> None:
    assert PausePolicies.from_dict(CONFIG).for_plan("jp-basic").fee_per_month == Money.of(50, "JPY")


def test_a_plan_without_a_section_gets_the_default_policy() -> None:
    policies = PausePolicies.from_dict(CONFIG)

    assert policies.for_plan("basic") is policies.default


def test_a_configuration_with_only_a_version_gives_the_built_in_policy() -> None:
    policies = PausePolicies.from_dict({"version": 1})

    assert policies.default == PausePolicy()
    assert dict(policies.overrides) == {}


def test_the_loaded_overrides_cannot_be_changed_afterwards() -> None:
    policies = PausePolicies.from_dict(CONFIG)

    with pytest.raises(TypeError):
        policies.overrides["basic"] = PausePolicy()  # type: ignore[index]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({}, "version"),
        ({"version": 0}, "version"),
        ({"version": "2"}, "version"),
        ({"version": 1, "defaults": {}}, "defaults"),
        ({"version": 1, "default": []}, "default"),
        ({"version": 1, "default": {"duration": [1]}}, "default.duration"),
        ({"version": 1, "default": {"durations": "1,2,3"}}, "default.durations"),
        ({"version": 1, "default": {"durations": []}}, "default.durations"),
        ({"version": 1, "default": {"durations": [1, 2, 4]}}, "default.durations"),
        ({"version": 1, "default": {"max_total_months": 2}}, "default.durations"),
        ({"version": 1, "default": {"max_pauses_per_12_months": 1.5}}, "default.max_pauses_per_12_months"),
        (
            {"version": 1, "default": {"reminder_before_resume_days": 0}},
            "default.reminder_before_resume_days",
        ),
        ({"version": 1, "default": {"fee_per_month": 100}}, "default.fee_per_month"),
        (
            {"version": 1, "default": {"fee_per_month": {"amount": 1, "currency": "XXX"}}},
            "default.fee_per_month",
        ),
        (
            {"version": 1, "default": {"fee_per_month": {"amount": 1.5, "currency": "USD"}}},
            "default.fee_per_month",
        ),
        ({"version": 1, "plans": []}, "plans"),
        ({"version": 1, "plans": {"": {}}}, "plans"),
        ({"version": 1, "plans": {"pro": None}}, "plans.pro"),
        ({"version": 1, "plans": {"pro": {"durations": [6]}}}, "plans.pro.durations"),
        ({"version": 1, "plans": {"pro": {"max_pauses": 3}}}, "plans.pro.max_pauses"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_setting(config: dict[str, Any], field: str) -> None:
    assert refused_field(PausePolicies.from_dict, config) == field


def test_the_error_message_says_where_the_bad_setting_is() -> None:
    with pytest.raises(DomainError, match=r"^plans\.pro: .*max_total_months"):
        PausePolicies.from_dict({"version": 1, "plans": {"pro": {"durations": [6]}}})


@given(
    durations=st.sets(st.integers(1, 12), min_size=1),
    extra=st.integers(0, 12),
    limit=st.integers(0, 12),
    days=st.integers(1, 60),
    fee=st.none() | st.integers(0, 10_000),
)
def test_any_valid_settings_load_to_exactly_those_values(
    durations: set[int], extra: int, limit: int, days: int, fee: int | None
) -> None:
    section = {
        "durations": sorted(durations, reverse=True),
        "max_total_months": max(durations) + extra,
        "max_pauses_per_12_months": limit,
        "reminder_before_resume_days": days,
        "fee_per_month": None if fee is None else {"amount": fee, "currency": "EUR"},
    }

    policy = PausePolicies.from_dict({"version": 1, "plans": {"p": section}}).for_plan("p")

    assert policy == PausePolicy(
        durations=tuple(sorted(durations)),
        max_total_months=max(durations) + extra,
        max_pauses_per_12_months=limit,
        reminder_before_resume=timedelta(days=days),
        fee_per_month=None if fee is None else Money.of(fee, "EUR"),
    )
