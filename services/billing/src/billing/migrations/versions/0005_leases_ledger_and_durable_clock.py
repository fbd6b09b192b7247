"""charge leases, the simulated gateway's ledger, delivery bookkeeping and the durable clock

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime
from shared.db.migration_ops import add_delivery_bookkeeping, drop_delivery_bookkeeping

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_delivery_bookkeeping()
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(80), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("pause_events_applied", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_table(
        "simulated_gateway_charges",
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("decline_code", sa.String(50), nullable=True),
        sa.Column("decline_message", sa.String(500), nullable=True),
        sa.Column("gateway_customer", sa.String(100), nullable=False),
        sa.Column("payment_method", sa.String(100), nullable=False),
        sa.Column("amount_amount", sa.BigInteger(), nullable=False),
        sa.Column("amount_currency", sa.String(3), nullable=False),
        sa.Column("first_sent_at", UtcDateTime(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_simulated_gateway_charges"),
    )
    op.create_table(
        "simulated_gateway_refusals",
        sa.Column("gateway_customer", sa.String(100), nullable=False),
        sa.Column("payment_method", sa.String(100), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gateway_customer", "payment_method", name="pk_simulated_gateway_refusals"),
    )
    op.create_table(
        "simulated_gateway_card_updates",
        sa.Column("gateway_customer", sa.String(100), nullable=False),
        sa.Column("old_payment_method", sa.String(100), nullable=False),
        sa.Column("new_payment_method", sa.String(100), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint(
            "gateway_customer", "old_payment_method", name="pk_simulated_gateway_card_updates"
        ),
    )
    op.create_table(
        "clock_participants",
        sa.Column("url", sa.String(300), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_clock_participants"),
    )
    op.create_table(
        "clock_advance",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("target", UtcDateTime(), nullable=True),
        sa.Column("owner", sa.String(80), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("heartbeat_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_clock_advance"),
    )


def downgrade() -> None:
    for table in (
        "clock_advance",
        "clock_participants",
        "simulated_gateway_card_updates",
        "simulated_gateway_refusals",
        "simulated_gateway_charges",
    ):
        op.drop_table(table)
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("pause_events_applied")
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
    drop_delivery_bookkeeping()
