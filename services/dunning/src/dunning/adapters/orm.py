"""Dunning's tables: cases (with their timeline) and the customer replica.

A case's lists (retries, reminders) live in a JSON column: they are only ever read
with the case. What finance filters and groups by is in real columns.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from shared.customers.tables import customer_profiles_table
from shared.db import new_metadata
from shared.db.metadata import UtcDateTime
from shared.db.tables import messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)
customer_profiles = customer_profiles_table(metadata)

dunning_cases = Table(
    "dunning_cases",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("invoice_id", String(40), nullable=False, unique=True),
    Column("subscription_id", String(40), nullable=False, index=True),
    Column("customer_id", String(40), nullable=False, index=True),
    Column("amount_due", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("decline_code", String(50), nullable=False),
    Column("decline_class", String(30), nullable=False),
    Column("policy_version", String(40), nullable=False),
    Column("variant", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20), nullable=True),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("recovered_amount", BigInteger, nullable=True),
    Column("reminders_sent", Integer, nullable=False),
    Column("retries_made", Integer, nullable=False),
    Column("next_due_at", UtcDateTime, nullable=True),
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("recovery_method", String(30), nullable=True),
    Column("last_message_number", Integer, nullable=True),
    Column("retained_30d", Boolean, nullable=True),
    Column("retention_check_at", UtcDateTime, nullable=True),
    Index("ix_dunning_cases_due", "status", "next_due_at"),
    Index("ix_dunning_cases_retention_check", "retention_check_at"),
    Index("ix_dunning_cases_opened", "opened_at"),
)

settled_invoices = Table(
    "settled_invoices",
    metadata,
    Column("invoice_id", String(40), primary_key=True),
    Column("subscription_id", String(40), nullable=False),
    Column("paid_at", UtcDateTime, nullable=False),
)
"""Invoices billing reported paid: a failure of one of them, however late it arrives,
opens no case."""

subscription_states = Table(
    "subscription_states",
    metadata,
    Column("subscription_id", String(40), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("sequence", BigInteger, nullable=False),
)
"""The newest of billing's pause and cancel facts per subscription, with its sequence: a
failure older than a cancellation or a pause opens no case."""

recovery_tokens = Table(
    "recovery_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("customer_id", String(40), nullable=False, index=True),
    Column("case_id", String(40), nullable=False, index=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)
"""The links in dunning's messages, by the SHA-256 of their token: the token itself is
only ever in the message."""
