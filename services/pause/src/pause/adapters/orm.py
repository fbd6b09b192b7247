"""Pause's tables: its replicas of customers and subscriptions, pauses and cancel intents."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table

from shared.customers.tables import customer_profiles_table
from shared.db import new_metadata
from shared.db.metadata import UtcDateTime
from shared.db.tables import idempotency_table, messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)
customer_profiles = customer_profiles_table(metadata)
idempotent_requests = idempotency_table(metadata)

subscription_views = Table(
    "subscription_views",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("customer_id", String(40), nullable=False, index=True),
    Column("plan_code", String(64), nullable=True),
    Column("plan_name", String(200), nullable=True),
    Column("price_amount", BigInteger, nullable=True),
    Column("price_currency", String(3), nullable=True),
    Column("beach_fee_amount", BigInteger, nullable=True),
    Column("beach_fee_currency", String(3), nullable=True),
    Column("status", String(20), nullable=True),
    Column("current_period_start", UtcDateTime, nullable=True),
    Column("current_period_end", UtcDateTime, nullable=True),
    Column("open_dunning_case", Boolean, nullable=False),
    Column("dunning_offer_open", Boolean, nullable=False),
    Column("status_sequence", BigInteger, nullable=False, server_default="0"),
    Column("period_sequence", BigInteger, nullable=False, server_default="0"),
    Column("paid_sequence", BigInteger, nullable=False, server_default="0"),
)
"""Built from billing's facts in whatever order they arrive: each part (status, period)
keeps the sequence of the fact it came from, and an older fact never overwrites a
newer one. A row whose `subscription.created` has not arrived yet has no price: it is
not shown until it does. `paid_sequence` is the newest paid subscription invoice: billing
ends `past_due` with it and no subscription event of its own."""

dunning_case_views = Table(
    "dunning_case_views",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("subscription_id", String(40), nullable=False, index=True),
    Column("offered", Boolean, nullable=False),
    Column("closed", Boolean, nullable=False),
)
"""Each dunning case as pause has heard of it; a case's facts only move forwards (open,
beach offered, closed), so the flags on `subscription_views` are derived from these
whatever order the facts came in."""

beach_pauses = Table(
    "beach_pauses",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("subscription_id", String(40), nullable=False, index=True),
    Column("customer_id", String(40), nullable=False, index=True),
    Column("months", Integer, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("resumes_at", UtcDateTime, nullable=False),
    Column("fee_amount", BigInteger, nullable=False),
    Column("fee_currency", String(3), nullable=False),
    Column("source", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("reminder_sent_at", UtcDateTime, nullable=True),
    Column("end_reason", String(40), nullable=True),
)

cancel_intents = Table(
    "cancel_intents",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("subscription_id", String(40), nullable=False, index=True),
    Column("customer_id", String(40), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
)

fee_payments = Table(
    "fee_payments",
    metadata,
    Column("invoice_id", String(40), primary_key=True),
    Column("subscription_id", String(40), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_at", UtcDateTime, nullable=False),
)

cards_on_file = Table(
    "cards_on_file",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("brand", String(20), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer, nullable=False),
    Column("exp_year", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sequence", BigInteger, nullable=False, server_default="0"),
)
