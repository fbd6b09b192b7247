"""case versions, paid invoices and subscription facts, delivery bookkeeping

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime
from shared.db.migration_ops import add_delivery_bookkeeping, drop_delivery_bookkeeping

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_delivery_bookkeeping()
    with op.batch_alter_table("dunning_cases") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "settled_invoices",
        sa.Column("invoice_id", sa.String(40), nullable=False),
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("paid_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name="pk_settled_invoices"),
    )
    op.create_table(
        "subscription_states",
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", name="pk_subscription_states"),
    )


def downgrade() -> None:
    op.drop_table("subscription_states")
    op.drop_table("settled_invoices")
    with op.batch_alter_table("dunning_cases") as batch:
        batch.drop_column("version")
    drop_delivery_bookkeeping()
