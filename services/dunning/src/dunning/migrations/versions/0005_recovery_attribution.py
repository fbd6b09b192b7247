"""what recovered each case, and whether the customer stayed 30 days later

Revision ID: 0005
Revises: 0004

Cases closed before this revision have no recovery method (nobody recorded the cause
then) and get their 30-day check scheduled from their close, so their cohorts can
still complete.
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_cases = sa.table(
    "dunning_cases",
    sa.column("id", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("closed_at", UtcDateTime()),
    sa.column("retention_check_at", UtcDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("dunning_cases") as batch:
        batch.add_column(sa.Column("recovery_method", sa.String(30), nullable=True))
        batch.add_column(sa.Column("last_message_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("retained_30d", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("retention_check_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_dunning_cases_retention_check", ["retention_check_at"], unique=False)
    bind = op.get_bind()
    closed = bind.execute(
        sa.select(_cases.c.id, _cases.c.closed_at).where(
            _cases.c.outcome.in_(["recovered", "paused"]), _cases.c.closed_at.is_not(None)
        )
    ).all()
    for case_id, closed_at in closed:
        bind.execute(
            sa.update(_cases)
            .where(_cases.c.id == case_id)
            .values(retention_check_at=closed_at + timedelta(days=30))
        )


def downgrade() -> None:
    with op.batch_alter_table("dunning_cases") as batch:
        batch.drop_index("ix_dunning_cases_retention_check")
        batch.drop_column("retention_check_at")
        batch.drop_column("retained_30d")
        batch.drop_column("last_message_number")
        batch.drop_column("recovery_method")
