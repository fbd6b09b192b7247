"""Migration steps for the tables every service has (outbox, inbox).

Each service's first migration calls these, so the three databases get identical
messaging tables; a later change to them gets a new function here and a new
revision in each service.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.db.metadata import UtcDateTime

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_messaging_tables() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("message_key", sa.String(100), nullable=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("event_id", name="uq_outbox_messages_event_id"),
    )
    op.create_index("ix_outbox_messages_unpublished", "outbox_messages", ["published_at", "id"])
    op.create_table(
        "inbox_messages",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox_messages"),
    )


def add_delivery_bookkeeping() -> None:
    """Sequences, durable delivery counts, the stored test clock and broker marks."""
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("first_published_at", UtcDateTime(), nullable=True))
    op.execute("UPDATE outbox_messages SET first_published_at = published_at")
    with op.batch_alter_table("inbox_messages") as batch:
        batch.add_column(sa.Column("dead_lettered", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "event_sequences",
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_event_sequences"),
    )
    op.create_table(
        "delivery_counts",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_delivery_counts"),
    )
    op.create_table(
        "clock_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("now", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clock_state"),
    )
    op.create_table(
        "broker_marks",
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("batch_base", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition", name="pk_broker_marks"),
    )


def drop_delivery_bookkeeping() -> None:
    for table in ("broker_marks", "clock_state", "delivery_counts", "event_sequences"):
        op.drop_table(table)
    with op.batch_alter_table("inbox_messages") as batch:
        batch.drop_column("dead_lettered")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("first_published_at")


def add_outbox_traceparent() -> None:
    """The W3C `traceparent` of the span that wrote each event (55 characters), so the
    relay can hand the trace on to consumers; rows written before have none."""
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(55), nullable=True))


def drop_outbox_traceparent() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("traceparent")


def drop_messaging_tables() -> None:
    op.drop_table("inbox_messages")
    op.drop_index("ix_outbox_messages_unpublished", table_name="outbox_messages")
    op.drop_table("outbox_messages")


def scope_idempotency_keys_by_route() -> None:
    """`Idempotency-Key`s were stored as `<path>:<key>`, so one key reused on another
    route quietly ran again. Now the key is stored alone with the route it was first used
    on, and a reuse elsewhere is refused. Keys stored before keep an empty route: their
    fingerprint (method, path and body) still refuses a request that is not a retry."""
    with op.batch_alter_table("idempotent_requests") as batch:
        batch.add_column(sa.Column("route", sa.String(300), server_default="", nullable=False))
    table = sa.table("idempotent_requests", sa.column("key", sa.String()), sa.column("created_at"))
    bind = op.get_bind()
    stored = [row.key for row in bind.execute(sa.select(table.c.key).order_by(table.c.created_at))]
    taken = set(stored)
    for old in stored:
        path, colon, key = old.partition(":")
        if colon and path.startswith("/") and key not in taken:  # the first use of a key keeps it
            bind.execute(table.update().where(table.c.key == old).values(key=key))
            taken.add(key)


def unscope_idempotency_keys() -> None:
    with op.batch_alter_table("idempotent_requests") as batch:
        batch.drop_column("route")
