"""The report folder opens offline and the CLI writes it."""

from __future__ import annotations

from pathlib import Path

from simulator.cli import main


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
