"""Alembic, run from code: one migration tree per service, inside its package.

`upgrade(engine, package)` is what `<service> migrate`, the stack and the tests call,
so they all reach the same schema the same way.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


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
