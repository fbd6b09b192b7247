"""Alembic, run from code: one migration tree per service, inside its package.

`upgrade(engine, package)` is what `<service> migrate`, the stack and the tests call,
so they all reach the same schema the same way. Alembic itself (about 12 MB resident:
importing any of it imports all of it) loads only to migrate; a serving process reads
its revisions from the migration files and the database's from `alembic_version`.
"""

from __future__ import annotations

import ast
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import reading

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"


def alembic_config(package: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files(package) / "migrations"))
    return config


async def upgrade(engine: AsyncEngine, package: str, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(package)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


def revisions(package: str) -> dict[str, set[str]]:
    """Each revision of the package's migrations and the ones it revises, read from the
    files' module-level `revision` and `down_revision` as Alembic reads them."""
    graph: dict[str, set[str]] = {}
    versions: Traversable = files(package) / "migrations" / "versions"
    for script in versions.iterdir():
        if script.name.endswith(".py"):
            names = _assigned(script.read_text())
            revises = names.get("down_revision")
            parents = revises if isinstance(revises, tuple) else (revises,) if revises else ()
            graph[str(names["revision"])] = {str(parent) for parent in parents}
    return graph


def _assigned(source: str) -> dict[str, object]:
    """The literal values of the module's `revision` and `down_revision`."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    return found


def _current(connection: Connection) -> set[str]:
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return {row[0] for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


class SchemaCheck:
    """Whether the database's schema is the one this code was written for, for `/readyz`.

    A replica on an unmigrated database would answer 500s on the first query, so it says
    so and takes no traffic. A schema newer than the code (a revision it does not know)
    is ready: migrations are additive, and during a rolling deploy the old replicas keep
    serving on the new schema until they are replaced.
    """

    def __init__(self, package: str) -> None:
        graph = revisions(package)
        self.package = package
        self.known = set(graph)
        self.heads = self.known - set().union(*graph.values())

    async def problem(self, engine: AsyncEngine) -> str | None:
        """Why the schema is not ready, naming the command that fixes it; None when it is."""
        async with reading(engine) as conn:
            current = await conn.run_sync(_current)
        if current == self.heads or current - self.known:
            return None
        fix = f"run `{self.package} migrate`"
        if not current:
            return f"database not migrated; {fix}"
        at, head = ", ".join(sorted(current)), ", ".join(sorted(self.heads))
        return f"schema at revision {at}, this code needs {head}; {fix}"
