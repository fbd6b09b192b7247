"""The replica's snapshot refuses what it cannot reason about: unknown statuses and naive times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pause.domain.subscription_view import SubscriptionView
from shared.errors import DomainError
from shared.money import Money

END = datetime(2026, 2, 1, tzinfo=UTC)


def view(**changes: Any) -> SubscriptionView:
    fields: dict[str, Any] = {
        "id": "sub_1",
        "customer_id": "cus_1",
        "plan_code": "basic",
        "price": Money.of(1500, "USD"),
        "beach_fee": None,
        "status": "active",
        "current_period_start": END - timedelta(days=31),
        "current_period_end": END,
    }
    return SubscriptionView(**{**fields, **changes})


def test_no_dunning_case_and_no_offer_unless_said_so() -> None:
    assert (view().open_dunning_case, view().dunning_offer_open) == (False, False)


def test_an_unknown_status_is_refused_naming_status() -> None:
    with pytest.raises(DomainError) as refused:
        view(status="trialing")

    assert refused.value.field == "status"


def test_a_naive_period_end_is_refused_naming_it() -> None:
    with pytest.raises(DomainError) as refused:
        view(current_period_end=END.replace(tzinfo=None))

    assert refused.value.field == "current_period_end"


def test_period_bounds_are_normalised_to_utc() -> None:
    in_new_york = END.astimezone(timezone(timedelta(hours=-5)))

    assert view(current_period_end=in_new_york).current_period_end.tzinfo is UTC


def test_the_snapshot_cannot_be_changed() -> None:
    with pytest.raises(AttributeError):
        view().status = "canceled"  # type: ignore[misc]
