"""Billing's tables. Domain objects stay plain; repositories translate rows.

Money is always two columns: an integer amount in minor units and its currency.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shared.db import new_metadata
from shared.db.metadata import UtcDateTime
from shared.db.tables import idempotency_table, messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)
_PENDING = text("status = 'pending'")


def _money(prefix: str, nullable: bool = False) -> list[Column[object]]:
    return [
        Column(f"{prefix}_amount", BigInteger, nullable=nullable),
        Column(f"{prefix}_currency", String(3), nullable=nullable),
    ]


customers = Table(
    "customers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("gateway_customer", String(100), nullable=True),
    Column("locale", String(35), nullable=False, server_default="en"),
)

plans = Table(
    "plans",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    *_money("price"),
    Column("interval", String(10), nullable=False),
    *_money("beach_fee"),
    Column("created_at", UtcDateTime, nullable=False),
)

payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("customer_id", String(40), nullable=False, index=True),
    Column("gateway_payment_method", String(100), nullable=False),
    Column("brand", String(30), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer, nullable=False),
    Column("exp_year", Integer, nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expiring_notice_sent_at", UtcDateTime, nullable=True),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("customer_id", String(40), nullable=False, index=True),
    Column("plan_code", String(64), nullable=False),
    *_money("price"),
    Column("interval", String(10), nullable=False),
    *_money("beach_fee"),
    Column("status", String(20), nullable=False),
    Column("billing_anchor", UtcDateTime, nullable=False),
    Column("period_index", Integer, nullable=False),
    Column("current_period_start", UtcDateTime, nullable=False),
    Column("current_period_end", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("pause_id", String(40), nullable=True),
    Column("pause_resumes_at", UtcDateTime, nullable=True),
    Column("next_beach_fee_at", UtcDateTime, nullable=True),
    Column("pause_started_at", UtcDateTime, nullable=True),
    Column("beach_fees_charged", Integer, nullable=False, server_default="0"),
    Column("scheduled_pause_id", String(40), nullable=True),
    Column("scheduled_pause_starts_at", UtcDateTime, nullable=True),
    Column("canceled_at", UtcDateTime, nullable=True),
    Column("cancel_reason", String(500), nullable=True),
    Column("version", Integer, nullable=False),
    Column("pause_events_applied", BigInteger, nullable=False, server_default="0"),
    Index("ix_subscriptions_due", "status", "current_period_end"),
    Index("ix_subscriptions_beach_fee_due", "status", "next_beach_fee_at"),
)

invoice_counters = Table(
    "invoice_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_number", Integer, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("customer_id", String(40), nullable=False),
    Column("subscription_id", String(40), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("lines", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("context", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime, nullable=True),
)

payment_attempts = Table(
    "payment_attempts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("invoice_id", String(40), nullable=False, index=True),
    Column("subscription_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("attempt_number", Integer, nullable=False),
    *_money("amount"),
    Column("context", String(20), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("gateway_payment_method", String(100), nullable=True),
    Column("gateway_reference", String(100), nullable=True),
    Column("decline_code", String(50), nullable=True),
    Column("decline_message", String(500), nullable=True),
    Column("settled_at", UtcDateTime, nullable=True),
    Column("lease_owner", String(80), nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("not_before", UtcDateTime, nullable=True),
    Column("held_reason", String(200), nullable=True),
    UniqueConstraint("idempotency_key", name="uq_payment_attempts_idempotency_key"),
    # The collector and the test clock look for pending attempts all the time; an index
    # of pending attempts alone stays the size of the queue, not of every attempt made.
    Index("ix_payment_attempts_pending", "created_at", postgresql_where=_PENDING, sqlite_where=_PENDING),
    # The retry budget counts one customer's card: test card ids are shared by everyone.
    Index("ix_payment_attempts_sent_per_customer", "customer_id", "gateway_payment_method", "settled_at"),
)

idempotent_requests = idempotency_table(metadata)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("gateway_event_id", String(100), nullable=True, index=True),
    Column("event_type", String(100), nullable=True),
    Column("headers", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("processing_error", Text, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime, nullable=True),
)

simulated_charges = Table(
    "simulated_gateway_charges",
    metadata,
    Column("idempotency_key", String(100), primary_key=True),
    Column("reference", String(40), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("decline_code", String(50), nullable=True),
    Column("decline_message", String(500), nullable=True),
    Column("gateway_customer", String(100), nullable=False),
    Column("payment_method", String(100), nullable=False),
    *_money("amount"),
    Column("first_sent_at", UtcDateTime, nullable=False),
    Column("sends", Integer, nullable=False),
)

simulated_refusals = Table(
    "simulated_gateway_refusals",
    metadata,
    Column("gateway_customer", String(100), primary_key=True),
    Column("payment_method", String(100), primary_key=True),
    Column("refused", Integer, nullable=False),
)

simulated_card_updates = Table(
    "simulated_gateway_card_updates",
    metadata,
    Column("gateway_customer", String(100), primary_key=True),
    Column("old_payment_method", String(100), primary_key=True),
    Column("new_payment_method", String(100), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
)

clock_participants = Table(
    "clock_participants",
    metadata,
    Column("url", String(300), primary_key=True),
    Column("service", String(40), nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
)

clock_advance = Table(
    "clock_advance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("status", String(20), nullable=False),
    Column("target", UtcDateTime, nullable=True),
    Column("owner", String(80), nullable=True),
    Column("error", Text, nullable=True),
    Column("heartbeat_at", UtcDateTime, nullable=True),
)
