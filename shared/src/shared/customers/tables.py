"""The `customer_profiles` table, in dunning's and pause's databases alike."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, String, Table

from shared.db.metadata import UtcDateTime


def customer_profiles_table(metadata: MetaData) -> Table:
    return Table(
        "customer_profiles",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("email", String(320), nullable=False),
        Column("name", String(200), nullable=False),
        Column("timezone", String(64), nullable=False),
        Column("registered_at", UtcDateTime, nullable=False),
        Column("locale", String(35), nullable=False, server_default="en"),
    )


def create_customer_profiles_table() -> None:
    """Migration step, shared by dunning's and pause's first revision."""
    from alembic import op

    op.create_table(
        "customer_profiles",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_profiles"),
    )


def add_customer_locale() -> None:
    """Migration step: profiles kept before languages existed read English."""
    from alembic import op

    op.add_column(
        "customer_profiles", sa.Column("locale", sa.String(35), nullable=False, server_default="en")
    )


def drop_customer_locale() -> None:
    from alembic import op

    with op.batch_alter_table("customer_profiles") as table:
        table.drop_column("locale")
