"""The report folder opens offline and the CLI writes it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from simulator.cli import main
from simulator.model.tally import Tally
from simulator.report.results import Results
from simulator.report.terminal import methods_table


def test_the_cli_writes_csvs_and_a_self_contained_html_page(tmp_path: Path) -> None:
    argv = [
        "--engine",
        "model",
        "--customers",
        "300",
        "--months",
        "3",
        "--seeds",
        "2",
        "--out",
        str(tmp_path),
    ]
    assert main([*argv, "--workers", "1"]) == 0
    page = (tmp_path / "index.html").read_text()
    assert "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    summary = (tmp_path / "summary.csv").read_text().splitlines()
    assert summary[0] == "policy,metric,mean,ci95_half_width,seeds"
    assert any(line.startswith("gentle,recovery_rate,") and line.endswith(",2") for line in summary)
    assert (tmp_path / "per_seed.csv").exists()
    assert (tmp_path / "counts.csv").exists()


def test_the_recovery_methods_are_shares_of_every_seeds_recoveries() -> None:
    seed_1 = {"gentle": Tally({"recovered_cases": 3, "method:card_updater": 1, "method:silent_retry": 2})}
    seed_2 = {"gentle": Tally({"recovered_cases": 1, "method:retry_after_reminder": 1})}
    results = Results("model", 10, 3, [1, 2], [seed_1, seed_2])

    console = Console(record=True, width=100)
    console.print(methods_table(results))
    text = console.export_text()

    for method, share in [
        ("card updater", "25.0%"),
        ("silent retry", "50.0%"),
        ("retry after reminder", "25.0%"),
    ]:
        assert any(method in line and share in line for line in text.splitlines()), (method, text)
