"""Which policy a case runs under: versions, and the experiment that assigns variants.

A case keeps the policy version it opened with, so changing the configuration never
changes the rules halfway through someone's case. New cases are split between variants
by a stable hash of the customer id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from dunning.domain.experiments import assign_variant
from dunning.domain.policy import BUILT_IN_POLICIES, DEFAULT_POLICY, DunningPolicy, within_card_budget


@dataclass(frozen=True)
class PolicyBook:
    by_version: Mapping[str, DunningPolicy] = field(default_factory=lambda: dict(BUILT_IN_POLICIES))
    weights: Mapping[str, int] = field(default_factory=lambda: {DEFAULT_POLICY.variant: 100})
    card_budget_30_days: int | None = None
    """Billing's `CARD_RETRY_BUDGET_PER_30_DAYS`: every variant, the aggressive baseline
    included, plans at most that many charges per case (the failed one and its retries),
    so dunning's plan never asks billing for a charge the budget would hold back."""

    def __post_init__(self) -> None:
        variants = {policy.variant for policy in self.by_version.values()}
        unknown = [variant for variant in self.weights if variant not in variants]
        if unknown:
            raise ValueError(f"no policy for variant(s) {', '.join(unknown)}")

    def for_new_case(self, customer_id: str) -> DunningPolicy:
        return self._newest[assign_variant(customer_id, self.weights)]

    def for_case(self, version: str) -> DunningPolicy:
        return self._by_version[version]

    @cached_property
    def _by_version(self) -> dict[str, DunningPolicy]:
        """Each version as it is applied, worked out once: the book never changes, and a
        burst of failures asks it for every case."""
        return {version: self._within_budget(policy) for version, policy in self.by_version.items()}

    @cached_property
    def _newest(self) -> dict[str, DunningPolicy]:
        """Each variant's newest version, the one its new cases open under."""
        newest: dict[str, str] = {}  # variant: the key of its newest version
        for key, policy in self.by_version.items():
            if (
                policy.variant not in newest
                or policy.version > self.by_version[newest[policy.variant]].version
            ):
                newest[policy.variant] = key
        return {variant: self._by_version[key] for variant, key in newest.items()}

    def _within_budget(self, policy: DunningPolicy) -> DunningPolicy:
        if self.card_budget_30_days is None:
            return policy
        return within_card_budget(policy, self.card_budget_30_days)
