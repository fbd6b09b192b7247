"""Experiment variants: which dunning policy a customer's cases run under.

The assignment must be stable across processes, restarts and deploys, so it hashes
the customer id with SHA-256 (Python's `hash()` is salted per process). Each customer
gets a fixed point in [0, 1); the variants divide that interval by weight, in name
order. Changing the weights therefore moves only the customers near a boundary, and
the order the weights were written in never matters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from dunning.domain.policy import DEFAULT_POLICY

DEFAULT_WEIGHTS: Mapping[str, int] = {DEFAULT_POLICY.variant: 100}
"""No experiment: everyone gets the gentle default."""

_SCALE = 2**64


def _point(customer_id: str, experiment: str) -> int:
    digest = hashlib.sha256(f"{experiment}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def assign_variant(
    customer_id: str, weights: Mapping[str, int], *, experiment: str = "dunning-policy"
) -> str:
    """The variant this customer always gets; a variant weighted 0 is never chosen.

    `experiment` salts the hash, so two experiments split the customers independently.
    """
    if any(
        isinstance(weight, bool) or not isinstance(weight, int) or weight < 0 for weight in weights.values()
    ):
        raise ValueError("variant weights must be whole numbers, zero or more")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("at least one variant needs a positive weight")
    point = _point(customer_id, experiment) * total
    threshold = 0
    for variant in sorted(weights):
        threshold += weights[variant] * _SCALE
        if point < threshold:
            return variant
    raise AssertionError("the point lies below the last threshold")  # pragma: no cover
