"""Fixtures for every test in the repository.

Real parts by default: the embedded Kafka-compatible broker and SQLite files, or
PostgreSQL when TEST_DATABASE_URL is set. With REQUIRE_REAL_SERVICES=1 (CI), a test
that would be skipped because PostgreSQL or the broker is missing fails instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.testing.brokers import kafka_broker
from shared.testing.databases import DatabaseFactory, postgres_server_url
from shared.testing.localstripe import localstripe_server

REQUIRE_REAL = os.environ.get("REQUIRE_REAL_SERVICES") == "1"
ARTIFACTS = Path(__file__).parent / "test-artifacts"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_REAL:
        pytest.fail(f"{reason} (REQUIRE_REAL_SERVICES=1 forbids skipping this test)")
    pytest.skip(reason)


def _kind(requested: str) -> str:
    if requested == "postgres" and postgres_server_url() is None:
        skip_or_fail("PostgreSQL test: set TEST_DATABASE_URL to run it")
    return requested


@pytest.fixture(params=["sqlite", "postgres"])
async def each_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    """For contract tests that must pass on both databases."""
    factory = DatabaseFactory(_kind(request.param), tmp_path)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def postgres_database(tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    """For what only PostgreSQL shows: two transactions of one process racing (on
    SQLite a process's writers take turns, so they cannot)."""
    factory = DatabaseFactory(_kind("postgres"), tmp_path)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    """PostgreSQL when TEST_DATABASE_URL is set, else SQLite."""
    factory = DatabaseFactory("postgres" if postgres_server_url() else "sqlite", tmp_path)
    yield factory
    await factory.drop_all()


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[str]:
    """Bootstrap servers of a fresh real broker for this test."""
    try:
        with kafka_broker(tmp_path) as servers:
            yield servers
    except FileNotFoundError as exc:
        skip_or_fail(f"no broker binary: {exc}")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real localstripe for the session; failing to start fails the tests, never skips them."""
    try:
        with localstripe_server(tmp_path_factory.mktemp("localstripe") / "localstripe.log") as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def promtool() -> str:
    """Prometheus's checker, from Debian's `prometheus` package (`.ci/run` installs it)."""
    found = shutil.which("promtool")
    if found is None:
        skip_or_fail("promtool is missing: apt-get install -y prometheus")
    assert found is not None
    return found
