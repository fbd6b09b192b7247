"""A fresh, empty database per test: a SQLite file, or a new PostgreSQL database.

With `TEST_DATABASE_URL` set (CI sets it), tests create their databases on that
PostgreSQL server and drop them afterwards; without it they use SQLite files.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

POSTGRES_ENV = "TEST_DATABASE_URL"


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _asyncpg_dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


async def create_postgres_database(server_url: str, label: str) -> str:
    name = f"t_{label}_{secrets.token_hex(4)}".lower()
    admin = await asyncpg.connect(_asyncpg_dsn(server_url, make_url(server_url).database or "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return _asyncpg_dsn(server_url, name)


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    admin = await asyncpg.connect(_asyncpg_dsn(server_url, make_url(server_url).database or "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def sqlite_url(folder: Path, label: str) -> str:
    return f"sqlite:///{folder / label}.db"


class DatabaseFactory:
    """Makes empty databases of one kind for a test, and removes them afterwards."""

    def __init__(self, kind: str, tmp_path: Path, server: str | None = None) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.server = server or postgres_server_url()
        self.created: list[str] = []

    async def new(self, label: str) -> str:
        if self.kind == "sqlite":
            return sqlite_url(self.tmp_path, label)
        assert self.server is not None
        url = await create_postgres_database(self.server, label)
        self.created.append(url)
        return url

    async def drop_all(self) -> None:
        for url in self.created:
            assert self.server is not None
            await drop_postgres_database(self.server, url)


class MigratedCopies:
    """Fresh migrated SQLite databases of one service, fast: each is a copy of a file
    migrated once. For property tests that need an empty database per example."""

    def __init__(self, folder: Path, service: str) -> None:
        import asyncio

        from shared.db import create_engine
        from shared.db.migrations import upgrade

        self.folder, self.service = folder, service
        self.template = folder / f"{service}-template.db"
        self.made = 0

        async def migrate() -> None:
            engine = create_engine(f"sqlite:///{self.template}")
            await upgrade(engine, service)
            await engine.dispose()

        asyncio.run(migrate())

    def fresh(self) -> str:
        import shutil

        self.made += 1
        path = self.folder / f"{self.service}-{self.made}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"
