"""Variant assignment: stable per customer, proportional to the weights, zero means never."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.domain.experiments import assign_variant

IDS = [f"cus_{n:05d}" for n in range(10_000)]
customer_ids = st.text(min_size=1, max_size=30)


@given(customer_ids)
def test_a_customer_always_gets_the_same_variant(customer_id: str) -> None:
    weights = {"gentle": 70, "aggressive": 30}

    assert len({assign_variant(customer_id, weights) for _ in range(3)}) == 1


def test_the_assignment_is_pinned_so_a_hash_change_cannot_slip_through() -> None:
    """SHA-256 gives the same answer on every machine and run; Python's salted `hash()` would not."""
    weights = {"gentle": 50, "aggressive": 50}

    assert [assign_variant(f"cus_{n}", weights) for n in range(8)] == [
        "aggressive",
        "aggressive",
        "aggressive",
        "aggressive",
        "gentle",
        "gentle",
        "aggressive",
        "gentle",
    ]


def test_the_order_the_weights_are_written_in_does_not_matter() -> None:
    forwards = {"gentle": 70, "aggressive": 20, "quiet": 10}
    backwards = dict(reversed(forwards.items()))

    assert all(assign_variant(c, forwards) == assign_variant(c, backwards) for c in IDS[:2000])


@given(customer_ids)
def test_a_variant_weighted_zero_is_never_chosen(customer_id: str) -> None:
    assert assign_variant(customer_id, {"aggressive": 0, "gentle": 1}) == "gentle"


@pytest.mark.parametrize(
    ("weights", "share", "low", "high"), [((50, 50), "a", 0.45, 0.55), ((90, 10), "a", 0.87, 0.93)]
)
def test_ten_thousand_customers_split_roughly_by_weight(
    weights: tuple[int, int], share: str, low: float, high: float
) -> None:
    split = Counter(assign_variant(customer_id, {"a": weights[0], "b": weights[1]}) for customer_id in IDS)

    assert low <= split[share] / len(IDS) <= high


def test_moving_weight_moves_only_the_customers_it_must() -> None:
    before = {c: assign_variant(c, {"aggressive": 50, "gentle": 50}) for c in IDS}
    after = {c: assign_variant(c, {"aggressive": 60, "gentle": 50}) for c in IDS}

    moved = [c for c in IDS if before[c] != after[c]]
    assert all(before[c] == "gentle" and after[c] == "aggressive" for c in moved)
    assert 0.03 <= len(moved) / len(IDS) <= 0.07


def test_two_experiments_split_the_same_customers_independently() -> None:
    weights = {"a": 1, "b": 1}
    first = [assign_variant(c, weights, experiment="dunning-policy") for c in IDS[:1000]]
    second = [assign_variant(c, weights, experiment="reminder-copy") for c in IDS[:1000]]

    agreement = sum(x == y for x, y in zip(first, second, strict=True)) / 1000
    assert 0.4 <= agreement <= 0.6


@pytest.mark.parametrize("weights", [{}, {"a": 0, "b": 0}, {"a": -1, "b": 2}, {"a": True}, {"a": 0.5}])
def test_weights_that_cannot_choose_anyone_are_refused(weights: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="weight"):
        assign_variant("cus_1", weights)
