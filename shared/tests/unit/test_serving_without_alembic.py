"""A serving process never loads Alembic, and still knows its schema's revisions.

Importing any of Alembic imports all of it, about 12 MB resident in each service, for
what only `<service> migrate` does. `/readyz` reads the revisions from the migration
files instead; these tests hold that reading to Alembic's own, and look in a fresh
interpreter (this test process has long loaded Alembic) that serving does not load it.

The other way round, `<service> migrate` does not build the service: FastAPI, FastStream
and the adapters would double its start, which every stack start waits for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from shared.db import create_engine
from shared.db.migrations import SchemaCheck, alembic_config

SERVICES = ["billing", "dunning", "pause"]

SERVE = """
import importlib, sys
service = sys.argv[1]
bootstrap = importlib.import_module(f"{service}.bootstrap").bootstrap
settings_module = importlib.import_module(f"{service}.settings")
importlib.import_module(f"{service}.entrypoints.cli")
from shared.testing.services import settings_for
kind = getattr(settings_module, f"{service.capitalize()}Settings")
built = bootstrap(settings_for(kind, **{f"{service.upper()}_DATABASE_URL": sys.argv[2]}))
built.app()
print("alembic" in sys.modules)
"""

MIGRATE = """
import importlib, sys
importlib.import_module(f"{sys.argv[1]}.entrypoints.cli").main(["migrate"])
print(sorted({"fastapi", "faststream", f"{sys.argv[1]}.bootstrap"} & set(sys.modules)))
"""


@pytest.mark.parametrize("service", SERVICES)
def test_the_revisions_read_from_the_files_are_alembics(service: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(service))
    check = SchemaCheck(service)
    assert check.heads == set(script.get_heads())
    assert check.known == {revision.revision for revision in script.walk_revisions()}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_built_to_serve_has_not_loaded_alembic(service: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / service}.db"
    found = subprocess.run(
        [sys.executable, "-c", SERVE, service, url], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("service", SERVICES)
async def test_migrating_upgrades_the_database_without_building_the_service(
    service: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / service}.db"
    env = {**os.environ, f"{service.upper()}_DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    found = subprocess.run(
        [sys.executable, "-c", MIGRATE, service], capture_output=True, text=True, check=True, env=env
    )
    *said, loaded = found.stdout.strip().splitlines()
    assert said == [f"{service}: database is at the latest schema"]
    assert loaded == "[]"
    engine = create_engine(url)
    try:
        assert await SchemaCheck(service).problem(engine) is None  # what `/readyz` asks
    finally:
        await engine.dispose()
