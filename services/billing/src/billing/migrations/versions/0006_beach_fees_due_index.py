"""beach fees due, by index: the billing run claims them in due order without a scan

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_subscriptions_beach_fee_due", "subscriptions", ["status", "next_beach_fee_at"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_beach_fee_due", table_name="subscriptions")
