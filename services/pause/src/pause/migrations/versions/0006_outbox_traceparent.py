"""the outbox keeps the traceparent of the span that wrote each event

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from shared.db.migration_ops import add_outbox_traceparent, drop_outbox_traceparent

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_traceparent()


def downgrade() -> None:
    drop_outbox_traceparent()
