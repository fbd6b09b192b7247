"""Customer profiles (a replica of billing's customers), and the outbox and inbox.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from shared.customers.tables import create_customer_profiles_table
from shared.db.migration_ops import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables()
    create_customer_profiles_table()


def downgrade() -> None:
    op.drop_table("customer_profiles")
    drop_messaging_tables()
