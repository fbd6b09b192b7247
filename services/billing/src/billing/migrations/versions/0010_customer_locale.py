"""customers have a language (BCP 47); those registered before it read English

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("locale", sa.String(35), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("customers") as table:
        table.drop_column("locale")
