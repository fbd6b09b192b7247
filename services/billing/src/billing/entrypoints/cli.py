"""`billing serve|migrate|relay|republish`."""

from __future__ import annotations

from billing.settings import load
from shared.cli import run_cli


def main(argv: list[str] | None = None) -> None:
    run_cli("billing", load, argv)
