"""Alembic, run from code: one migration tree per service, inside its package.

`upgrade(engine, package)` is what `<service> migrate`, the stack and the tests call,
so they all reach the same schema the same way.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import reading


def alembic_config(package: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files(package) / "migrations"))
    return config


async def upgrade(engine: AsyncEngine, package: str, revision: str = "head") -> None:
    config = alembic_config(package)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


class SchemaCheck:
    """Whether the database's schema is the one this code was written for, for `/readyz`.

    A replica on an unmigrated database would answer 500s on the first query, so it says
    so and takes no traffic. A schema newer than the code (a revision it does not know)
    is ready: migrations are additive, and during a rolling deploy the old replicas keep
    serving on the new schema until they are replaced.
    """

    def __init__(self, package: str) -> None:
        script = ScriptDirectory.from_config(alembic_config(package))
        self.package = package
        self.heads = set(script.get_heads())
        self.known = {revision.revision for revision in script.walk_revisions()}

    async def problem(self, engine: AsyncEngine) -> str | None:
        """Why the schema is not ready, naming the command that fixes it; None when it is."""
        async with reading(engine) as conn:
            current = await conn.run_sync(lambda c: set(MigrationContext.configure(c).get_current_heads()))
        if current == self.heads or current - self.known:
            return None
        fix = f"run `{self.package} migrate`"
        if not current:
            return f"database not migrated; {fix}"
        at, head = ", ".join(sorted(current)), ", ".join(sorted(self.heads))
        return f"schema at revision {at}, this code needs {head}; {fix}"
