"""pending attempts have an index of their own; sends are counted per customer's card

`claim_pending` looks for the oldest pending attempts; an index of pending attempts
alone stays the size of what is queued, not of every attempt ever made. The retry
budget counts what one customer's card was sent: the simulated gateway's test ids are
shared by every customer, so an index led by the card id read every answered attempt
on that card, more on each batch of a renewal day.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_payment_attempts_pending",
        "payment_attempts",
        ["created_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.drop_index("ix_payment_attempts_status", "payment_attempts")
    op.create_index(
        "ix_payment_attempts_sent_per_customer",
        "payment_attempts",
        ["customer_id", "gateway_payment_method", "settled_at"],
    )
    op.drop_index("ix_payment_attempts_card_sent", "payment_attempts")


def downgrade() -> None:
    op.create_index(
        "ix_payment_attempts_card_sent", "payment_attempts", ["gateway_payment_method", "settled_at"]
    )
    op.drop_index("ix_payment_attempts_sent_per_customer", "payment_attempts")
    op.create_index("ix_payment_attempts_status", "payment_attempts", ["status", "created_at"])
    op.drop_index("ix_payment_attempts_pending", "payment_attempts")
