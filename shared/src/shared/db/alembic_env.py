"""The body of every service's Alembic `env.py`, so the three trees cannot diverge."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData


def run_migrations(target_metadata: MetaData) -> None:
    """Run on the connection `shared.db.migrations.upgrade` handed over.

    Migrations always run from code with a live connection; offline SQL generation is
    not supported because nobody here applies hand-edited SQL.
    """
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `<service> migrate`, not the alembic CLI")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
