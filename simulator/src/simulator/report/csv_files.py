"""CSVs for finance's spreadsheets: the summary with intervals, every seed, every raw count."""

from __future__ import annotations

import csv
from pathlib import Path

from simulator.metrics import METRICS
from simulator.report.results import Results


def write_csvs(results: Results, folder: Path) -> list[Path]:
    summary, seeds, counts = folder / "summary.csv", folder / "per_seed.csv", folder / "counts.csv"
    with summary.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["policy", "metric", "mean", "ci95_half_width", "seeds"])
        for variant, estimates in results.estimates().items():
            for metric, est in estimates.items():
                writer.writerow([variant, metric, f"{est.mean:.6f}", f"{est.half_width:.6f}", est.n])
    with seeds.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["seed", "policy", *METRICS])
        for seed, run in zip(results.seeds, results.per_seed(), strict=True):
            for variant, values in run.items():
                writer.writerow([seed, variant, *(f"{values[m]:.6f}" for m in METRICS)])
    with counts.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["seed", "policy", "count", "value"])
        for seed, tallies in zip(results.seeds, results.tallies, strict=True):
            for variant, tally in tallies.items():
                writer.writerows([seed, variant, key, value] for key, value in sorted(tally.items()))
    return [summary, seeds, counts]
