"""`pause serve|migrate|relay|republish`."""

from __future__ import annotations

from pause.settings import load
from shared.cli import run_cli


def main(argv: list[str] | None = None) -> None:
    run_cli("pause", load, argv)
