"""a subscription replica that takes facts in any order, dunning cases, delivery bookkeeping

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime
from shared.db.migration_ops import add_delivery_bookkeeping, drop_delivery_bookkeeping

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KNOWN_FROM_CREATED = (
    ("plan_code", sa.String(64)),
    ("price_amount", sa.BigInteger()),
    ("price_currency", sa.String(3)),
    ("status", sa.String(20)),
    ("current_period_start", UtcDateTime()),
    ("current_period_end", UtcDateTime()),
)


def upgrade() -> None:
    add_delivery_bookkeeping()
    with op.batch_alter_table("subscription_views") as batch:
        for name, kind in KNOWN_FROM_CREATED:
            batch.alter_column(name, existing_type=kind, nullable=True)
        batch.add_column(sa.Column("status_sequence", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("period_sequence", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("paid_sequence", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("cards_on_file") as batch:
        batch.add_column(sa.Column("sequence", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table(
        "dunning_case_views",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_dunning_case_views"),
    )
    op.create_index("ix_dunning_case_views_subscription_id", "dunning_case_views", ["subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_dunning_case_views_subscription_id", table_name="dunning_case_views")
    op.drop_table("dunning_case_views")
    with op.batch_alter_table("cards_on_file") as batch:
        batch.drop_column("sequence")
    with op.batch_alter_table("subscription_views") as batch:
        batch.drop_column("paid_sequence")
        batch.drop_column("period_sequence")
        batch.drop_column("status_sequence")
        for name, kind in KNOWN_FROM_CREATED:
            batch.alter_column(name, existing_type=kind, nullable=False)
    drop_delivery_bookkeeping()
