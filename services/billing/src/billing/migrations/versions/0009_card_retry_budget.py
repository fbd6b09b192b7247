"""payment attempts wait for the card's retry budget, and are counted per card

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("not_before", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("held_reason", sa.String(200), nullable=True))
    op.create_index(
        "ix_payment_attempts_card_sent", "payment_attempts", ["gateway_payment_method", "settled_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_payment_attempts_card_sent", "payment_attempts")
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("held_reason")
        batch.drop_column("not_before")
