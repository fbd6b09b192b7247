"""the subscription replica keeps the plan's name, for the portal

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subscription_views", sa.Column("plan_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription_views") as table:
        table.drop_column("plan_name")
