"""Results of one simulation, whichever engine produced them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.metrics import METRICS, summarize
from simulator.model.tally import Tally
from simulator.stats import Estimate, estimate


@dataclass
class Results:
    """Tallies per seed and policy variant; `notes` says where the numbers came from."""

    engine: str
    customers: int
    months: int
    seeds: list[int]
    tallies: list[dict[str, Tally]]
    notes: list[str] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)
    """Numbers the services reported themselves (stack engine), per variant."""

    @property
    def variants(self) -> list[str]:
        return list(self.tallies[0]) if self.tallies else []

    def per_seed(self) -> list[dict[str, dict[str, float]]]:
        return [{variant: summarize(tally) for variant, tally in run.items()} for run in self.tallies]

    def estimates(self) -> dict[str, dict[str, Estimate]]:
        runs = self.per_seed()
        return {
            variant: {metric: estimate([run[variant][metric] for run in runs]) for metric in METRICS}
            for variant in self.variants
        }
