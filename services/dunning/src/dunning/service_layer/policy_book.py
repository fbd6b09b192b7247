"""Which policy a case runs under: versions, and the experiment that assigns variants.

A case keeps the policy version it opened with, so changing the configuration never
changes the rules halfway through someone's case. New cases are split between variants
by a stable hash of the customer id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
        variant = assign_variant(customer_id, self.weights)
        candidates = [p for p in self.by_version.values() if p.variant == variant]
        return self._within_budget(max(candidates, key=lambda p: p.version))

    def for_case(self, version: str) -> DunningPolicy:
        return self._within_budget(self.by_version[version])

    def _within_budget(self, policy: DunningPolicy) -> DunningPolicy:
        if self.card_budget_30_days is None:
            return policy
        return within_card_budget(policy, self.card_budget_30_days)
