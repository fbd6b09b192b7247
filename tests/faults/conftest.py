"""Fixtures for the fault suite: PostgreSQL (never SQLite), and a record of each fault."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from shared.testing.databases import DatabaseFactory, postgres_server_url
from tests.faults.invariants import Findings
from tests.faults.report import write

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-artifacts" / "reliability"
DOCUMENT = ROOT / "docs" / "reliability.md"
_run: dict[str, float] = {}


@pytest.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    """Fresh PostgreSQL databases: faults are about the production database."""
    if postgres_server_url() is None:
        reason = "the fault suite runs on PostgreSQL: set TEST_DATABASE_URL"
        if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
            pytest.fail(f"{reason} (REQUIRE_REAL_SERVICES=1 forbids skipping it)")
        pytest.skip(reason)
    factory = DatabaseFactory("postgres", tmp_path)
    yield factory
    await factory.drop_all()


Record = Callable[..., None]


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Record:
    """Keep what a fault did and what was checked, for docs/reliability.md."""
    began = time.monotonic()

    def keep(fault: str, checked: Findings, recovery_seconds: dict[str, float], **detail: Any) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        entry = {
            "test": request.node.name,
            "fault": fault,
            "counts": checked.counts,
            "problems": checked.problems,
            "recovery_seconds": {k: round(v, 1) for k, v in recovery_seconds.items()},
            "test_seconds": round(time.monotonic() - began, 1),
            **detail,
        }
        (RESULTS / f"{request.node.name}.json").write_text(json.dumps(entry, indent=2, default=str))

    return keep


def fault_tests() -> int:
    """How many fault tests the suite has: the document is written only from a run of all."""
    here = Path(__file__).parent
    return sum(text.count("\nasync def test_") for text in (p.read_text() for p in here.glob("test_*.py")))


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    _run["since"] = time.time()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """docs/reliability.md from this run, if every fault test ran and passed."""
    if exitstatus == 0 and "since" in _run:
        write(RESULTS, DOCUMENT, _run["since"], fault_tests())
