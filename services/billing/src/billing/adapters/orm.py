"""Billing's tables. Domain objects stay plain; repositories translate rows."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from shared.db import new_metadata
from shared.db.metadata import UtcDateTime
from shared.db.tables import messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)

customers = Table(
    "customers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
