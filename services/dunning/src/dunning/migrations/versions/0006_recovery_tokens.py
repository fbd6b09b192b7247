"""recovery tokens: the hashes of the links in dunning's messages

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recovery_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_recovery_tokens"),
    )
    op.create_index("ix_recovery_tokens_customer_id", "recovery_tokens", ["customer_id"])
    op.create_index("ix_recovery_tokens_case_id", "recovery_tokens", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_recovery_tokens_case_id", "recovery_tokens")
    op.drop_index("ix_recovery_tokens_customer_id", "recovery_tokens")
    op.drop_table("recovery_tokens")
